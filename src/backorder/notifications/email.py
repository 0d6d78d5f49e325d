"""Email: rendering the templates of an event, and sending over SMTP or into a folder.

Each message carries a Message-ID made from its delivery id, so if a worker dies after
the server accepted a message and before recording it, the resend is the same message
and mail clients show it once.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Protocol

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from backorder.config import Settings

SUBJECTS = {
    "order.backordered": "Your order {order_id}: some items will ship later",
    "order.eta_changed": "Your order {order_id}: a new ship date",
    "order.shipped": "Good news: your order {order_id} is on its way",
    "order.cancelled": "Your order {order_id}: cancellation confirmed",
    "order.waiting_update": "Your order {order_id}: where your items stand",
    "purchase_order.created": "Purchase order {purchase_order_id}",
    "purchase_order.updated": "Purchase order {purchase_order_id}: changed",
}
"""Every event type that someone receives by email, and the subject of its message."""

_templates = Environment(
    loader=PackageLoader("backorder.notifications", "templates"),
    autoescape=select_autoescape(["html", "html.j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(event_type: str, context: dict[str, Any], *, sender: str, to: str) -> EmailMessage:
    """A plain-text message with an HTML alternative, from the event's two templates."""
    name = event_type.replace(".", "_")
    message = EmailMessage()
    message["Subject"] = SUBJECTS[event_type].format(**context)
    message["From"] = sender
    message["To"] = to
    message.set_content(_templates.get_template(f"{name}.txt.j2").render(**context))
    message.add_alternative(
        _templates.get_template(f"{name}.html.j2").render(**context), subtype="html"
    )
    return message


def message_id(delivery_id: int, *, sender: str) -> str:
    """The same id for every send of one delivery, in the sender's domain."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<backorder.delivery-{delivery_id}@{domain}>"


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        assert s.smtp_host is not None
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
            smtp.send_message(message)


class FolderMailer:
    """Writes each message as an .eml file: email works out of the box, and a newcomer
    can open what customers would have received."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = str(message["Message-ID"]).strip("<>").replace("@", "_")
        (self.folder / f"{name}.eml").write_bytes(message.as_bytes())


def mailer(settings: Settings) -> Mailer:
    return SmtpMailer(settings) if settings.smtp_host else FolderMailer(settings.mail_folder)
