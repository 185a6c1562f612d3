"""Logs never hold a parent's token: the links in emails are as good as a password."""

from __future__ import annotations

import logging
import re

# Every path that carries a parent's token, or a LINE link code.
_TOKEN_IN_PATH = re.compile(r"/(confirm|unsubscribe|preferences|calendar|line)/[^\s/?\"]+")


def redact(text: str) -> str:
    return _TOKEN_IN_PATH.sub(r"/\1/[token]", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        return True


def redact_request_logs(*logger_names: str) -> None:
    for name in logger_names:
        logging.getLogger(name).addFilter(RedactTokens())
