"""The page kit below every page: sign-in and role checks and the console's blueprint
(access, console), the shared form parts (forms), reading a parent's link (links) and report
periods (reports). It imports domain modules only; every page imports it, never the reverse."""
