"""Business settings and the clocks of scheduled jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backorder.db.models import BusinessSetting, JobRun


class SettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def stored(self) -> dict[str, Any]:
        return {row.key: row.value for row in self.session.scalars(select(BusinessSetting))}

    def put(self, key: str, value: Any) -> None:
        self.session.merge(BusinessSetting(key=key, value=value))

    def add(self, key: str, value: Any) -> None:
        """Insert a setting; IntegrityError when it exists (unlike ``put``)."""
        self.session.add(BusinessSetting(key=key, value=value))
        self.session.flush()

    def take_job_run(self, name: str) -> JobRun | None:
        """The job's row, locked; None when absent or when another worker holds it."""
        query = select(JobRun).where(JobRun.name == name).with_for_update(skip_locked=True)
        return self.session.scalar(query)

    def job_run_exists(self, name: str) -> bool:
        return self.session.get(JobRun, name) is not None

    def add_job_run(self, name: str, *, at: datetime) -> None:
        self.session.add(JobRun(name=name, last_run_at=at))
