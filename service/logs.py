"""Logs never hold a token: the links in parents' messages, a staff member's reset link and a
provider's secret URL are as good as a password.

One rule: a URL variable named `token` or `secret`, and a query parameter named `link` or
`token`, is a secret; so is `q`, a parent's own question to the assistant. The paths to redact
are read from the app's own URL map (learn_routes), so a new route that follows the rule is
covered without anyone remembering to add it here; tests/web/test_logs.py walks the map and
refuses a variable that is not classified."""

from __future__ import annotations

import logging
import re

from werkzeug.routing import Map

SECRET_VARIABLES = frozenset({"token", "secret"})
SECRET_PARAMETERS = ("link", "token", "q")
_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_SEGMENT = r'[^/?#\s"]+'
_QUERY = re.compile(rf"([?&](?:{'|'.join(SECRET_PARAMETERS)})=)[^&#\s\"]+")
_routes: dict[str, str] = {}  # a rule → its pattern, secrets as named groups
_pattern: re.Pattern[str] | None = None


def learn_routes(url_map: Map) -> None:
    """Redact the secrets of these routes from now on (every app of the process shares them)."""
    global _pattern
    new = {rule.rule for rule in url_map.iter_rules()} - set(_routes)
    for rule in new:
        if (pattern := _route_pattern(rule, len(_routes))) is not None:
            _routes[rule] = pattern
    if new:
        _pattern = re.compile("|".join(f"(?:{p})" for p in _routes.values())) if _routes else None


def _route_pattern(rule: str, number: int) -> str | None:
    parts = _VARIABLE.split(rule)  # literal, variable, literal, …, literal
    secrets = [i for i in range(1, len(parts), 2) if parts[i] in SECRET_VARIABLES]
    if not secrets:
        return None
    pattern = ""
    for i, part in enumerate(parts[: secrets[-1] + 1]):
        if i % 2 == 0:
            pattern += re.escape(part)
        elif i not in secrets:
            pattern += _SEGMENT
        elif (following := parts[i + 1]) and not following.startswith("/"):  # <token>.ics
            pattern += rf"(?P<r{number}s{i}>{_SEGMENT}?)(?={re.escape(following)})"
        else:
            pattern += f"(?P<r{number}s{i}>{_SEGMENT})"
    return pattern


def _hide(match: re.Match[str]) -> str:
    text, start = match.group(0), match.start()
    spans = sorted(match.span(name) for name, value in match.groupdict().items() if value)
    for begin, end in reversed(spans):
        text = text[: begin - start] + "[token]" + text[end - start :]
    return text


def redact(text: str) -> str:
    if _pattern is not None:
        text = _pattern.sub(_hide, text)
    return _QUERY.sub(r"\1[token]", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        return True


def redact_request_logs(*logger_names: str) -> None:
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
