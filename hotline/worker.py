"""The worker: delivers the outbox and runs the periodic jobs.

``hotline worker`` runs it as its own process (several may run at once: rows are claimed with
a lease, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL); on the embedded default ``hotline serve``
runs it in a thread. No transaction is open while it talks to Twilio.

What a row of each kind means, and which periodic jobs there are, is declared by the domains
in their ``jobs.py`` (see ``casework.jobs``); the worker only claims, dispatches and retries.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from sqlalchemy.orm import Session

from casework.audit.jobs import jobs as audit_jobs
from casework.clock import Clock
from casework.followup.jobs import jobs as followup_jobs
from casework.intake.jobs import jobs as intake_jobs
from casework.jobs import JobContext, Jobs, LoopJob
from casework.messages.jobs import MAX_MEDIA_BYTES
from casework.messages.jobs import jobs as messages_jobs
from casework.outbox.service import Claimed, claim, renew, retry_later
from casework.oversight.jobs import jobs as oversight_jobs
from casework.partners.jobs import jobs as partners_jobs
from casework.ports import Mailer, MediaStore, Signer, SmsSender, WebhookPoster
from casework.protection.keys import Keyring
from casework.routing.jobs import ALERT_TEXT
from casework.routing.jobs import jobs as routing_jobs
from casework.sla import jobs as sla
from casework.sms.jobs import jobs as sms_jobs
from casework.staff.jobs import jobs as staff_jobs
from casework.staff.throttle import ThrottlePolicy
from hotline.runtime.database import Database

__all__ = ["ALERT_TEXT", "JOBS", "MAX_MEDIA_BYTES", "Worker", "WorkerConfig"]

log = logging.getLogger("hotline.worker")
T = TypeVar("T")

# The one list of job modules. Periodic jobs run in this order: the audit log first, then the
# SLA scan, then the purges; the transparency counts last.
JOBS = Jobs.combine(
    audit_jobs,
    sla.jobs,
    followup_jobs,
    intake_jobs,
    staff_jobs,
    sms_jobs,
    routing_jobs,
    messages_jobs,
    partners_jobs,
    oversight_jobs,
)


@dataclass
class WorkerConfig:
    """How the worker behaves (and the settings its jobs read, see ``casework.jobs``)."""

    public_base_url: str
    oncall_phones: list[str] = field(default_factory=list)
    batch: int = 20
    lease: dt.timedelta = dt.timedelta(seconds=60)
    poll_seconds: float = 0.5
    audit_every: float = 0.5
    checkpoint_every: float = 10.0
    verify_every: float = 21_600.0  # every 6 hours: a day without one is warned about
    purge_every: float = 3600.0
    sla_every: float = 15.0
    link_days: dt.timedelta = dt.timedelta(days=7)
    default_phone_region: str | None = None
    intake_build_batch: int = 50
    intake_builders: int = 2
    small_batches: bool = False
    intake_idle_seconds: float = 0.1
    intake_backlog_alarm_seconds: float = 120.0
    sms_safe_word: str = "BANANA"
    emergency_number: str = "112"
    login_throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)


class _Deferring:
    """The database as background loop jobs use it: writes let requests go first."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def run(self, fn: Callable[[Session], T], *, write: bool) -> T:
        return self._db.run_deferring(fn, write=write)


class Worker:
    """Claims due outbox rows, hands each to its kind's handler, runs due periodic jobs."""

    def __init__(
        self,
        db: Database,
        *,
        keyring: Keyring,
        clock: Clock,
        sms: SmsSender,
        media: MediaStore,
        signer: Signer | None,
        config: WorkerConfig,
        rng: random.Random | None = None,
        webhooks: WebhookPoster | None = None,
        mailer: Mailer | None = None,
        jobs: Jobs = JOBS,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.clock = clock
        self.sms = sms
        self.config = config
        self.rng = rng or random.Random()  # noqa: S311 - jitter for back-off, not a secret
        self.jobs = jobs
        self.context = JobContext(
            db=db,
            keyring=keyring,
            clock=clock,
            config=config,
            sms=sms,
            media=media,
            signer=signer,
            rng=self.rng,
            webhooks=webhooks,
            mailer=mailer,
        )
        self._last: dict[str, float] = {}

    # ------------------------------------------------------------------ outbox
    def deliver_due(self) -> int:
        """Claim one batch and deliver it; returns how many rows were handled."""
        claimed = self.db.run(
            lambda s: claim(
                s,
                keyring=self.keyring,
                now=self.clock.now(),
                lease=self.config.lease,
                batch=self.config.batch,
            ),
            write=True,
        )
        for item in claimed:
            try:
                if self._still_mine(item):
                    self.jobs.handlers[item.kind](self.context, item)
            except Exception:  # one bad row must not stop the others; it is retried
                log.exception("delivery failed", extra={"kind": item.kind.value})
                self._retry_after_error(item)
        return len(claimed)

    def _still_mine(self, item: Claimed) -> bool:
        """Renew the lease just before acting; False if the row was taken over or cancelled."""
        return self.db.run(
            lambda s: renew(
                s, item.id, attempt=item.attempts, now=self.clock.now(), lease=self.config.lease
            ),
            write=True,
        )

    def _retry_after_error(self, item: Claimed) -> None:
        self.db.run(
            lambda s: retry_later(
                s,
                item.id,
                attempt=item.attempts,
                error="worker_error",
                now=self.clock.now(),
                rng=self.rng,
            ),
            write=True,
        )

    # ------------------------------------------------------------------ periodic jobs
    def _due(self, name: str, every: float) -> bool:
        now = time.monotonic()
        if now - self._last.get(name, float("-inf")) < every:
            return False
        self._last[name] = now
        return True

    def periodic(self, *, deferring: bool = False) -> None:
        """Run each registered periodic job that is due (audit log, SLA scan, purges);
        ``deferring``: their writes let requests go first (``run`` does, on its own thread)."""
        context = replace(self.context, db=_Deferring(self.db)) if deferring else self.context
        for job in self.jobs.periodic_jobs:
            if self._due(job.name, job.interval(self.config)):
                job.run(context)

    def scan_sla(self) -> int:
        """The SLA scan now, whether due or not; returns notices sent."""
        return sla.scan(self.context)

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set: the outbox (alerts first of all) on this thread, the
        periodic jobs on one of their own (deferring to requests, which a danger alert must
        not wait behind), each loop job (the case builder) on its own too."""
        loops = [
            threading.Thread(
                target=self._run_periodic, args=(stop,), name="hotline-periodic", daemon=True
            ),
        ] + [
            threading.Thread(
                target=self.run_loop, args=(job, stop), name=f"hotline-{job.name}-{n}", daemon=True
            )
            for job in self.jobs.loop_jobs
            # SQLite takes one writer at a time: more threads would only queue.
            for n in range(1 if self.db.is_sqlite else job.thread_count(self.config))
        ]
        for thread in loops:
            thread.start()
        try:
            self._run_outbox(stop)
        finally:
            for thread in loops:
                thread.join(timeout=10)

    def run_loop(self, job: LoopJob, stop: threading.Event) -> None:
        """Run one loop job until ``stop`` is set: again at once while it is busy.

        Its transactions defer to requests (on SQLite, where they share one write turn): a
        queue of case building never holds up a child's receipt.
        """
        idle = job.idle_seconds(self.config)
        context = replace(self.context, db=_Deferring(self.db))
        while not stop.is_set():
            busy = False
            try:
                busy = job.run(context)
            except Exception:  # the database may be away for a moment; try again soon
                log.exception("loop job failed", extra={"job": job.name})
            if not busy:
                stop.wait(idle)

    def run_loops_once(self) -> None:
        """Run every loop job until its queue is empty (tests and `hotline worker --once`)."""
        for job in self.jobs.loop_jobs:
            while job.run(self.context):
                pass

    def _run_outbox(self, stop: threading.Event) -> None:
        while not stop.is_set():
            busy = False
            try:
                busy = self.deliver_due() > 0
            except Exception:  # the database may be away for a moment; try again soon
                log.exception("worker cycle failed")
            if not busy:
                stop.wait(self.config.poll_seconds)

    def _run_periodic(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.periodic(deferring=True)
            except Exception:  # the database may be away for a moment; try again soon
                log.exception("periodic jobs failed")
            stop.wait(min(self.config.poll_seconds, 0.5))
