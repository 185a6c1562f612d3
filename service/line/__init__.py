"""LINE: each city's official account (accounts), the conversation in its chat (chat), the
chat bubble a message becomes (bubble), the rich menu (menu) and the demo's simulated chat
(simulator). The sending adapter is service.channels.line_messaging; the account a message goes
through is looked up here and handed to the channel (service.channels.line_router)."""
