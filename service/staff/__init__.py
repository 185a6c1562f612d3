"""The staff console: sign-in, home, notices, topics and counters, the audit log; it composes
the capabilities' console pages (service.routes)."""
