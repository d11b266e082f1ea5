"""Standard Webhooks signing, checked against the reference ``standardwebhooks`` package."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from domain.errors import Unauthenticated
from domain.webhooks import signing

BODY = b'{"type":"transfer.completed","data":{"id":"evt_1"}}'


def test_a_signature_made_here_verifies_with_the_reference_package() -> None:
    secret = signing.new_secret()
    stamp = 1_790_000_000
    headers = signing.headers([secret], "evt_1", stamp, BODY)
    assert headers["webhook-signature"].startswith("v1,")
    # The reference checks the timestamp against the wall clock: give it its own now.
    ours = Webhook(secret)
    assert ours.sign("evt_1", _when(stamp), BODY.decode()) == headers["webhook-signature"]


def test_the_reference_package_verifies_a_fresh_delivery_and_refuses_a_tampered_one() -> None:
    import time

    secret = signing.new_secret()
    stamp = int(time.time())
    headers = signing.headers([secret], "evt_1", stamp, BODY)
    assert Webhook(secret).verify(BODY, headers)["type"] == "transfer.completed"
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(BODY, headers)


def test_during_a_rotation_both_secrets_sign_and_either_verifies() -> None:
    import time

    old, new = signing.new_secret(), signing.new_secret()
    stamp = int(time.time())
    headers = signing.headers([new, old], "evt_1", stamp, BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(BODY, headers)
    assert Webhook(old).verify(BODY, headers)
    assert signing.verify([old], headers, BODY, stamp) == ("evt_1", stamp)


def test_a_signer_reused_across_messages_signs_each_as_the_reference_does() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    signer = signing.Signer([new, old])
    stamp = 1_790_000_000
    for n, body in enumerate((BODY, b"{}", BODY + b" ", b"")):
        msg_id = f"evt_{n}"
        got = signer.headers(msg_id, stamp + n, body)["webhook-signature"].split(" ")
        assert got == [signing.signature(s, msg_id, stamp + n, body) for s in (new, old)]
        assert got[0] == Webhook(new).sign(msg_id, _when(stamp + n), body.decode())


def test_the_old_secret_stops_signing_when_its_grace_ends() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    stored = signing.rotated(new, old, old_until=2_000)
    assert signing.active_secrets(stored, 1_999) == [new, old]
    assert signing.active_secrets(stored, 2_000) == [new]
    assert signing.active_secrets(old, 10**10) == [old]


def test_a_message_signed_by_the_reference_package_verifies_here() -> None:
    secret = signing.new_secret()
    stamp = 1_790_000_000
    sig = Webhook(secret).sign("msg_9", _when(stamp), BODY.decode())
    given = {"webhook-id": "msg_9", "webhook-timestamp": str(stamp), "webhook-signature": sig}
    assert signing.verify([secret], given, BODY, stamp + 10) == ("msg_9", stamp)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"webhook-signature": "v1,AAAA"}, "bad_signature"),
        ({"webhook-timestamp": "1789990000"}, "timestamp_out_of_tolerance"),
        ({"webhook-id": ""}, "signature_missing"),
        ({"webhook-timestamp": "soon"}, "signature_missing"),
    ],
)
def test_bad_signatures_stale_timestamps_and_missing_headers_are_refused(
    change: dict[str, str], code: str
) -> None:
    secret = signing.new_secret()
    stamp = 1_790_000_000
    headers = {**signing.headers([secret], "evt_1", stamp, BODY), **change}
    with pytest.raises(Unauthenticated) as err:
        signing.verify([secret], headers, BODY, stamp, tolerance_s=300)
    assert err.value.code == code


def _when(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp, tz=UTC)
