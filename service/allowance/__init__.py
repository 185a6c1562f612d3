"""The allowance estimate: 児童扶養手当 and 児童手当 from dated tables of the national figures."""
