"""Webhook deliveries: a JSON POST of the event, signed so the receiver can trust it.

``Backorder-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with the
webhook's secret: the timestamp inside the signature lets receivers refuse replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

SIGNATURE_HEADER = "Backorder-Signature"


def signature(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def body(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":"), sort_keys=True).encode()


def post(url: str, secret: str, event: dict[str, Any], *, timeout: float) -> str:
    """Deliver one event; returns what happened, raises on anything but a 2xx answer."""
    payload = body(event)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(secret, payload, int(time.time())),
        "User-Agent": "Backorder-Webhooks",
    }
    response = httpx.post(url, content=payload, headers=headers, timeout=timeout)
    response.raise_for_status()
    return f"HTTP {response.status_code}"
