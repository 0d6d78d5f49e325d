"""Real servers on loopback for the notification tests: an SMTP server (aiosmtpd) that
collects what it accepts and can go down and come back on the same port, and an HTTP
receiver for webhooks that records each request and can refuse the first few.

Both are plain classes (context managers), so any test module can use them without a
conftest; each test module wraps them in the fixtures it needs.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on right now (aiosmtpd's Controller can't take port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], *, timeout: float, step: float = 0.02) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; returns whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


@dataclass(frozen=True)
class Mail:
    """One message the SMTP server accepted."""

    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def message_id(self) -> str | None:
        value = self.message["Message-ID"]
        return None if value is None else str(value)

    @property
    def delivery_id(self) -> int | None:
        """The outbox delivery the Message-ID names (``...delivery-<id>@...``)."""
        found = re.search(r"delivery-(\d+)@", self.message_id or "")
        return int(found.group(1)) if found else None

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, f"no text/plain part in {self.subject!r}"
        return str(part.get_content())

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None, f"no text/html part in {self.subject!r}"
        return str(part.get_content())


class _Collector:
    """aiosmtpd handler: records each message, then (optionally) takes its time to say OK,
    like a slow server, so a batch of deliveries takes a while."""

    def __init__(self, sink: SmtpServer) -> None:
        self.sink = sink

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.sink.lock:
            self.sink.mails.append(Mail(list(envelope.rcpt_tos), message))
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server on 127.0.0.1, on a port that stays the same across stop/start."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.port = free_port()
        self.host = LOOPBACK
        self.delay = delay
        self.lock = threading.Lock()
        self.mails: list[Mail] = []
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        assert self._controller is None, "already running"
        controller = Controller(_Collector(self), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def received(self) -> list[Mail]:
        with self.lock:
            return list(self.mails)

    def settings(self) -> dict[str, Any]:
        """Settings overrides that point the service at this server."""
        return {"smtp_host": self.host, "smtp_port": self.port}

    def env(self) -> dict[str, str]:
        """The same, as environment variables for a ``backorder`` process."""
        return {"BACKORDER_SMTP_HOST": self.host, "BACKORDER_SMTP_PORT": str(self.port)}

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


@dataclass(frozen=True)
class Hit:
    """One request the webhook receiver got, and what it answered."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int


class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 that records every POST; the first ``fail_first``
    requests are answered 500 (after ``stall`` seconds, to make a sender time out), the
    rest 204."""

    def __init__(self, *, fail_first: int = 0, stall: float = 0.0) -> None:
        self.fail_first = fail_first
        self.stall = stall
        self.lock = threading.Lock()
        self.hits: list[Hit] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    status = 500 if len(receiver.hits) < receiver.fail_first else 204
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    receiver.hits.append(Hit(self.path, headers, body, status))
                if status == 500 and receiver.stall:
                    time.sleep(receiver.stall)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str = "/hook") -> str:
        return f"http://{LOOPBACK}:{self.port}{path}"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def received(self) -> list[Hit]:
        with self.lock:
            return list(self.hits)

    def accepted(self) -> list[Hit]:
        """The requests answered with success."""
        return [hit for hit in self.received() if hit.status < 300]

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
