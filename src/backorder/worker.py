"""The worker: delivers the outbox and runs the scheduled jobs.

Safe to run as several processes on PostgreSQL (rows are taken with SKIP LOCKED and
leased), and as one on SQLite. ``backorder serve`` runs one in a thread beside the API.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

import httpx

from backorder.db.uow import UnitOfWork
from backorder.notifications import email, webhooks
from backorder.services import dispatch, jobs, messages
from backorder.services.clock import utcnow

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, uow: UnitOfWork, mailer: email.Mailer | None = None) -> None:
        self.uow = uow
        self.mailer = mailer or email.mailer(uow.settings)

    def run_once(self, *, now: datetime | None = None) -> int:
        """One pass: fan out new events, send what is due, run due jobs. Returns the
        number of deliveries attempted."""
        jobs.run_due_jobs(self.uow, now=now)
        dispatch.fan_out(self.uow, now=now)
        leased = dispatch.claim(self.uow, now=now)
        for job in leased:
            self._deliver(job, now=now)
        return len(leased)

    def _deliver(self, job: dispatch.Job, *, now: datetime | None) -> None:
        try:
            detail = self._send(job)
        except (OSError, httpx.HTTPError) as error:  # SMTP and HTTP failures alike
            log.warning("delivery %s failed: %s", job.delivery_id, error)
            failure = f"{type(error).__name__}: {error}"
            dispatch.not_delivered(self.uow, job, error=failure, now=now)
            return
        dispatch.delivered(self.uow, job, detail=detail, now=now)

    def _send(self, job: dispatch.Job) -> str:
        if job.channel == "email":
            self.mailer.send(messages.email(self.uow, job))
            return f"sent to {job.target}"
        url, secret = messages.webhook(self.uow, int(job.target))
        timeout = self.uow.settings.webhook_timeout_seconds
        return webhooks.post(url, secret, job.event, timeout=timeout)

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set: work while there is work, pause when there is none."""
        while not stop.is_set():
            try:
                busy = self.run_once(now=utcnow())
            except Exception:  # keep the worker alive; the next pass retries
                log.exception("worker pass failed")
                busy = 0
            if not busy:
                stop.wait(self.uow.settings.worker_interval_seconds)


def start_in_thread(uow: UnitOfWork) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=Worker(uow).run, args=(stop,), name="worker", daemon=True)
    thread.start()
    return thread, stop
