"""The job registry: outbox handlers and periodic jobs, declared by the domain that owns them.

Each domain lists the handler of each outbox kind it owns and its periodic jobs in a
``jobs.py`` beside it::

    jobs = Jobs()

    @jobs.handler(OutboxKind.SMS)
    def text_reporter(ctx: JobContext, item: Claimed) -> None: ...

    @jobs.periodic("sla", every="sla_every")  # seconds, or the name of a JobConfig setting
    def scan(ctx: JobContext) -> int: ...

The worker (``hotline.worker``) combines the domains' registries, claims due rows, renews
their lease, calls the handler of each row's kind and retries on an exception, and runs the
periodic jobs when due; it knows no kind and no job, so a new channel or schedule is a new
handler in its domain, not an edit of the worker. A handler gets a ``JobContext``: the
transaction runner, keys, clock, ports and settings - never the worker. Each ``ctx.db.run``
is one short transaction; none is open while a handler talks to the outside world. Settling
a provider's answer (sent, retry, failed) is ``casework.outbox.delivery``.

This module sits below every domain (the audit jobs use it too), so it names the outbox row
and the sign-in policy as types only.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeAlias, TypeVar

from sqlalchemy.orm import Session

from casework.clock import Clock
from casework.outbox.models import OutboxKind
from casework.ports import Mailer, MediaStore, Signer, SmsSender, WebhookPoster
from casework.protection.keys import Keyring

if TYPE_CHECKING:  # types only: the outbox's service and staff sit above audit, which has jobs
    from casework.outbox.service import Claimed
    from casework.staff.throttle import ThrottlePolicy

T = TypeVar("T")


class Transactions(Protocol):
    """Runs a function in one transaction (``hotline.runtime.database.Database`` is one)."""

    def run(self, fn: Callable[[Session], T], *, write: bool) -> T:
        """Run ``fn`` in one transaction that commits when it returns."""
        ...


class JobConfig(Protocol):
    """The settings jobs read (``hotline.worker.WorkerConfig`` has them)."""

    @property
    def public_base_url(self) -> str:
        """Where the hotline is reached from outside (links, provider callbacks)."""
        ...

    @property
    def oncall_phones(self) -> Sequence[str]:
        """The installation's on-call phones, behind the regions' on-call rotas."""
        ...

    @property
    def link_days(self) -> dt.timedelta:
        """How long a partner's e-mailed link works."""
        ...

    @property
    def login_throttle(self) -> ThrottlePolicy:
        """When sign-in slows down and locks (and so when its counts may be forgotten)."""
        ...

    @property
    def audit_every(self) -> float:
        """Seconds between runs of the audit sequencer."""
        ...

    @property
    def checkpoint_every(self) -> float:
        """Seconds between signed audit checkpoints."""
        ...

    @property
    def verify_every(self) -> float:
        """Seconds between verifications of the whole audit trail."""
        ...

    @property
    def sla_every(self) -> float:
        """Seconds between SLA scans."""
        ...

    @property
    def default_phone_region(self) -> str | None:
        """ISO region for phone numbers written without +country."""
        ...

    @property
    def intake_build_batch(self) -> int:
        """Reports the case builder builds before it looks at the clock again."""
        ...

    @property
    def small_batches(self) -> bool:
        """Jobs share one write turn with requests (SQLite, in ``hotline serve``): a batch
        transaction must stay short, a tenth of its usual size, or receipts wait behind it."""
        ...

    @property
    def intake_builders(self) -> int:
        """Threads building cases at once in one worker process (PostgreSQL)."""
        ...

    @property
    def intake_idle_seconds(self) -> float:
        """How long the case builder waits when the intake inbox is empty."""
        ...

    @property
    def sms_safe_word(self) -> str:
        """The word that silences the SMS line to a phone at once."""
        ...

    @property
    def emergency_number(self) -> str:
        """The emergency number the SMS line gives."""
        ...

    @property
    def intake_backlog_alarm_seconds(self) -> float:
        """How long a report may wait for its case before a supervisor is told."""
        ...

    @property
    def purge_every(self) -> float:
        """Seconds between purges of expired counters and sessions."""
        ...


@dataclass(frozen=True)
class JobContext:
    """What a job may use: transactions, keys, time, the ports and the settings."""

    db: Transactions
    keyring: Keyring
    clock: Clock
    config: JobConfig
    sms: SmsSender
    media: MediaStore
    signer: Signer | None
    rng: random.Random
    webhooks: WebhookPoster | None = None
    mailer: Mailer | None = None


_SETTINGS = frozenset(
    name for name, value in vars(JobConfig).items() if isinstance(value, property)
)

Handler: TypeAlias = "Callable[[JobContext, Claimed], None]"
"""Delivers one claimed outbox row and settles it."""

JobFn = TypeVar("JobFn", bound=Callable[[JobContext], object])
LoopFn = TypeVar("LoopFn", bound=Callable[[JobContext], bool])
HandlerFn = TypeVar("HandlerFn", bound="Callable[[JobContext, Claimed], None]")


@dataclass(frozen=True)
class PeriodicJob:
    """A job run every ``every`` seconds (a number, or the name of a ``JobConfig`` setting)."""

    name: str
    every: float | str
    run: Callable[[JobContext], object]

    def interval(self, config: JobConfig) -> float:
        """Seconds between runs under ``config``."""
        if isinstance(self.every, str):
            return float(getattr(config, self.every))
        return self.every


@dataclass(frozen=True)
class LoopJob:
    """A job that drains a queue of its own, on its own thread: called again at once while
    it returns True (it did something), after ``idle`` seconds when it returns False."""

    name: str
    idle: float | str
    run: Callable[[JobContext], bool]
    threads: int | str = 1

    def idle_seconds(self, config: JobConfig) -> float:
        """Seconds to wait when the queue was empty."""
        if isinstance(self.idle, str):
            return float(getattr(config, self.idle))
        return self.idle

    def thread_count(self, config: JobConfig) -> int:
        """How many threads drain the queue at once (rows claimed with SKIP LOCKED)."""
        if isinstance(self.threads, str):
            return int(getattr(config, self.threads))
        return self.threads


@dataclass
class Jobs:
    """The outbox handlers and periodic jobs of one domain, or of several combined."""

    handlers: dict[OutboxKind, Handler] = field(default_factory=dict)
    periodic_jobs: list[PeriodicJob] = field(default_factory=list)
    loop_jobs: list[LoopJob] = field(default_factory=list)

    @classmethod
    def combine(cls, *parts: Jobs) -> Jobs:
        """All of ``parts``; periodic jobs run in the order given. Two handlers of one kind,
        or two jobs of one name, raise ValueError."""
        combined = cls()
        for part in parts:
            for kind, fn in part.handlers.items():
                combined.add_handler(kind, fn)
            for job in part.periodic_jobs:
                combined.add_periodic(job)
            for loop in part.loop_jobs:
                combined.add_loop(loop)
        return combined

    def loop(
        self, name: str, *, idle: float | str, threads: int | str = 1
    ) -> Callable[[LoopFn], LoopFn]:
        """Decorator: ``fn(ctx) -> bool`` drains its queue on a thread of its own (or
        ``threads`` of them on PostgreSQL, where rows are claimed with SKIP LOCKED)."""

        def register(fn: LoopFn) -> LoopFn:
            self.add_loop(LoopJob(name, idle, fn, threads))
            return fn

        return register

    def add_loop(self, job: LoopJob) -> None:
        """Register a loop job; names are unique, a named idle time must be a setting."""
        if any(known.name == job.name for known in self.loop_jobs):
            raise ValueError(f"two loop jobs named {job.name}")
        for named in (job.idle, job.threads):
            if isinstance(named, str) and named not in _SETTINGS:
                raise ValueError(f"loop job {job.name}: no setting {named}")
        self.loop_jobs.append(job)

    def handler(self, kind: OutboxKind) -> Callable[[HandlerFn], HandlerFn]:
        """Decorator: ``fn(ctx, item)`` delivers the outbox rows of ``kind``."""

        def register(fn: HandlerFn) -> HandlerFn:
            self.add_handler(kind, fn)
            return fn

        return register

    def periodic(self, name: str, *, every: float | str) -> Callable[[JobFn], JobFn]:
        """Decorator: ``fn(ctx)`` runs every ``every`` seconds (or ``JobConfig`` setting)."""

        def register(fn: JobFn) -> JobFn:
            self.add_periodic(PeriodicJob(name, every, fn))
            return fn

        return register

    def add_handler(self, kind: OutboxKind, fn: Handler) -> None:
        """Register ``fn`` for ``kind``; a second handler for a kind is a mistake."""
        if kind in self.handlers:
            raise ValueError(f"two handlers for outbox kind {kind.value}")
        self.handlers[kind] = fn

    def add_periodic(self, job: PeriodicJob) -> None:
        """Register a periodic job; names are unique, a named interval must be a setting."""
        if any(known.name == job.name for known in self.periodic_jobs):
            raise ValueError(f"two periodic jobs named {job.name}")
        setting = job.every if isinstance(job.every, str) else None
        if setting is not None and setting not in _SETTINGS:
            raise ValueError(f"periodic job {job.name}: no setting {setting}")
        self.periodic_jobs.append(job)
