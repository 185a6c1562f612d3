import logging

from service.logs import RedactTokens, redact


def test_tokens_in_request_lines_are_redacted():
    line = '127.0.0.1 - - "GET /confirm/ImVj.awjCWw.QT2k HTTP/1.1" 200 -'
    assert redact(line) == '127.0.0.1 - - "GET /confirm/[token] HTTP/1.1" 200 -'
    assert redact("POST /unsubscribe/abc.def-1_2?x=1") == "POST /unsubscribe/[token]?x=1"
    assert redact("GET /calendar/abc.def.ics HTTP/1.1") == "GET /calendar/[token] HTTP/1.1"
    assert redact("GET /line/ABCD2345 HTTP/1.1") == "GET /line/[token] HTTP/1.1"
    assert redact("GET /s/koseki") == "GET /s/koseki"


def test_the_filter_rewrites_werkzeug_style_records(caplog):
    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactTokens())
    with caplog.at_level(logging.INFO, logger="test.redaction"):
        logger.info(
            "%s - - [%s] %s", "127.0.0.1", "now", '"GET /preferences/secret.token HTTP/1.1"'
        )
    assert "secret.token" not in caplog.text
    assert "/preferences/[token]" in caplog.text
