"""The FCM adapter, talking through firebase-admin to a fake Google over real HTTP."""

from __future__ import annotations

import pytest

from service.channels import ChannelUnavailable, Recipient, RenderedMessage
from service.channels.webpush_fcm import FcmWebPush
from tests.fakes.google import FakeGoogle
from tests.fakes.server import Fault

MESSAGE = RenderedMessage(
    subject="あおば市からのお知らせ",
    text="新しいお知らせがあります。",
    html="",
    sender_email="",
    sender_name="",
    link="https://yorisou.example.jp/p/%%token%%",
    icon="https://yorisou.example.jp/static/icon.png",
)


@pytest.fixture
def google():
    fake = FakeGoogle().start()
    yield fake
    fake.stop()


@pytest.fixture
def adapter(google):
    return FcmWebPush(google.service_account(), api_host=google.url, timeout=2)


def _recipients(*tokens):
    return [Recipient(n, token, {"%%token%%": f"t{n}"}) for n, token in enumerate(tokens, 1)]


def test_sends_each_token_with_title_body_and_link(adapter, google):
    results = adapter.send(MESSAGE, _recipients("tok-a", "tok-b"))
    assert [(r.delivery_id, r.outcome) for r in results] == [(1, "sent"), (2, "sent")]
    assert all(r.provider_id.startswith("projects/yorisou-test/messages/") for r in results)
    pushes = sorted(google.received, key=lambda p: p.token)
    assert [(p.token, p.title, p.body, p.link, p.data) for p in pushes] == [
        (
            "tok-a",
            MESSAGE.subject,
            MESSAGE.text,
            "https://yorisou.example.jp/p/t1",
            {"delivery_id": "1"},
        ),
        (
            "tok-b",
            MESSAGE.subject,
            MESSAGE.text,
            "https://yorisou.example.jp/p/t2",
            {"delivery_id": "2"},
        ),
    ]
    assert google.token_requests >= 1  # credentials went through the fake OAuth endpoint


def test_each_error_is_classified(adapter, google):
    results = adapter.send(
        MESSAGE, _recipients("unregistered-1", "invalid-1", "badpayload-1", "tok-ok")
    )
    outcomes = [(r.outcome, r.error) for r in results]
    assert outcomes[0] == ("permanent", "fcm NOT_FOUND")
    assert outcomes[1] == ("permanent", "fcm invalid token")
    assert outcomes[2][0] == "failed"  # a bad payload is not the endpoint's fault
    assert outcomes[3] == ("sent", None)


@pytest.mark.parametrize(
    "fault",
    [
        Fault(status=503),
        Fault(status=500),
        Fault(drop=True),
        Fault(status=429, headers={"Retry-After": "30"}),
    ],
)
def test_transient_faults_are_retried(adapter, google, fault):
    google.plan(fault)
    [result] = adapter.send(MESSAGE, _recipients("tok-a"))
    assert result.outcome == "retry"
    if fault.status == 429:
        assert result.retry_after == 30


@pytest.mark.parametrize("fcm_code", [None, "THIRD_PARTY_AUTH_ERROR"])
def test_refused_credentials_pause_the_channel(adapter, google, fcm_code):
    details = (
        [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": fcm_code}]
        if fcm_code
        else []
    )
    refused = Fault(
        status=401,
        body={
            "error": {
                "code": 401,
                "status": "UNAUTHENTICATED",
                "message": "bad credentials",
                "details": details,
            }
        },
    )
    google.plan(refused, refused, refused)  # google-auth refreshes the token and tries again
    with pytest.raises(ChannelUnavailable):
        adapter.send(MESSAGE, _recipients("tok-a"))
