"""Signed links: what TokenSigner makes, itsdangerous (read_token) reads, and nothing else."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeTimedSerializer

from service.tokens import Purpose, TokenInvalid, TokenSigner, make_token, read_token

SECRET = "s" * 40


@pytest.mark.parametrize("subject", ["0f3a9c" * 5 + "ab", "0f3a9c:42", 'with "quotes" and 日本語'])
def test_signed_tokens_read_back_with_their_purpose_only(subject):
    token = TokenSigner(SECRET, Purpose.MANAGE)(subject)
    assert read_token(SECRET, Purpose.MANAGE, token) == subject
    with pytest.raises(TokenInvalid):
        read_token(SECRET, Purpose.CONFIRM, token)
    with pytest.raises(TokenInvalid):
        read_token("t" * 40, Purpose.MANAGE, token)


def test_tokens_are_itsdangerous_tokens_both_ways():
    serializer = URLSafeTimedSerializer(SECRET, salt="yorisou.manage")
    assert serializer.loads(make_token(SECRET, Purpose.MANAGE, "abc123")) == "abc123"
    # Links in messages sent before TokenSigner existed keep working.
    assert read_token(SECRET, Purpose.MANAGE, serializer.dumps("abc123")) == "abc123"


def test_a_tampered_token_is_refused():
    token = make_token(SECRET, Purpose.MANAGE, "abc123")
    with pytest.raises(TokenInvalid):
        read_token(
            SECRET, Purpose.MANAGE, token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
        )
