"""Checks an optin webhook delivery (Standard Webhooks v1) before acting on it.

A recipient calls verify(secret, headers, body) with the secret from
`optin recipients secret ID`, the request's headers (lowercase names) and its
raw body, and acts on the delivery only if it returns. docs/recipients.md.
Run on its own, it checks itself against the Standard Webhooks test vector
(https://github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md).
"""
import base64
import hashlib
import hmac
import time


def verify(secret: str, headers: dict, body: bytes, tolerance: int = 300) -> None:
    """Raises ValueError unless the delivery is optin's, recent and unaltered."""
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        raise ValueError("stale or future timestamp")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # Several signatures while a secret is rotated: any one may match.
    for part in headers["webhook-signature"].split(" "):
        version, _, signature = part.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return
    raise ValueError("no valid signature")


if __name__ == "__main__":
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    time.time = lambda: 1614265330
    verify(secret, headers, b'{"test": 2432232314}')
    for altered in (b'{"test": 2432232315}', b'{"test": 2432232314} '):
        try:
            verify(secret, headers, altered)
        except ValueError:
            continue
        raise SystemExit("an altered body was accepted")
    time.time = lambda: 1614265330 + 301
    try:
        verify(secret, headers, b'{"test": 2432232314}')
        raise SystemExit("a stale delivery was accepted")
    except ValueError:
        pass
    print("ok")
