"""No token reaches a log: one rule over the whole URL map, so a new route cannot forget it."""

import logging
import re

import pytest
from flask import Flask

from service import create_app
from service.logs import SECRET_PARAMETERS, SECRET_VARIABLES, RedactTokens, redact
from service.settings import Settings

SECRET = "SeCrEt.ImVj-awjC_Ww"
# Every other variable a route has, and why it may be logged: ids and codes that are public.
PUBLIC_VARIABLES = {
    "slug": "a city's name in its addresses",
    "code": "a counter's QR code, printed on a poster",
    "public_id": "an event's code, printed on its leaflet",
    "filename": "a static file",
    "fmt": "a file format",
    "layout": "a poster or card",
    "action": "a button's name",
    "kind": "what a department records on a card: contact or note",
}


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app(
        Settings(secret_key="k" * 40, suppression_key="s" * 40, database_url="sqlite://")
    )


def _example(rule: str) -> str:
    """The rule's path with a secret in each secret variable, something plain elsewhere."""

    def fill(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "", match.group(2)
        if name in SECRET_VARIABLES:
            return SECRET
        if converter.startswith("int"):
            return "7"
        if converter.startswith("any"):
            return re.findall(r"[\w-]+", converter[3:])[0]
        return "aoba"

    return re.sub(r"<(?:([^:<>]+):)?([^<>]+)>", fill, rule)


def test_every_route_variable_is_either_a_secret_or_known_to_be_public(app):
    for rule in app.url_map.iter_rules():
        for name in rule.arguments:
            database_id = name.endswith("_id") and name != "public_id"  # no use without sign-in
            assert name in SECRET_VARIABLES or name in PUBLIC_VARIABLES or database_id, (
                f"{rule.rule}: is <{name}> a secret? Name it token or secret if it is, or add "
                "it to PUBLIC_VARIABLES with the reason it may be logged"
            )


def test_the_secret_of_every_route_and_parameter_is_kept_out_of_the_log(app):
    secret_routes = [
        r.rule for r in app.url_map.iter_rules() if set(r.arguments) & SECRET_VARIABLES
    ]
    assert {"/b/<token>", "/r/<token>", "/choose/<token>", "/webhooks/inbound/<secret>"} <= set(
        secret_routes
    )
    assert "/staff/password/reset/<token>" in secret_routes
    for rule in app.url_map.iter_rules():
        for parameter in SECRET_PARAMETERS:
            line = (
                f'127.0.0.1 - - "GET {_example(rule.rule)}?lang=en&{parameter}={SECRET} HTTP/1.1"'
            )
            logged = redact(line)
            assert "SeCrEt" not in logged, logged
            assert "lang=en" in logged and logged.endswith(' HTTP/1.1"')


def test_what_is_not_secret_stays_readable(app):
    assert redact("GET /s/koseki?lang=en") == "GET /s/koseki?lang=en"
    assert redact("GET /calendar/abc.def.ics HTTP/1.1") == "GET /calendar/[token].ics HTTP/1.1"
    assert redact("POST /unsubscribe/abc.def-1_2?x=1") == "POST /unsubscribe/[token]?x=1"
    assert redact("GET /e/ABCD2345?link=x.y.z") == "GET /e/ABCD2345?link=[token]"
    assert redact("GET /staff/notices/12/edit") == "GET /staff/notices/12/edit"


def test_the_filter_rewrites_werkzeug_style_records(app, caplog):
    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactTokens())
    with caplog.at_level(logging.INFO, logger="test.redaction"):
        logger.info(
            "%s - - [%s] %s", "127.0.0.1", "now", '"GET /preferences/secret.token HTTP/1.1"'
        )
    assert "secret.token" not in caplog.text
    assert "/preferences/[token]" in caplog.text
