"""The intake use cases the reporting channels (web form, app) call through the request
context: what a report may name, and taking a report in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from casework.context import Unit
from casework.errors import DomainError
from casework.intake.builder import build_item
from casework.intake.directory import CodeDirectory
from casework.intake.models import IntakeItem
from casework.intake.receiving import (
    IntakeReceipt,
    ReportToReceive,
    receive_report,
    receive_reports,
)
from casework.intake.schemas import ReportSubmission
from casework.places.models import Region, School
from casework.places.repository import all_regions, all_schools
from casework.taxonomy.models import Category
from casework.taxonomy.repository import active_categories


@dataclass(frozen=True)
class ReportChoices:
    """What a report form offers: active categories in display order, regions and schools
    by name."""

    categories: Sequence[Category]
    regions: Sequence[Region]
    schools: Sequence[School]


def report_choices(unit: Unit) -> ReportChoices:
    """The categories, regions and schools a report may name."""
    session = unit.session
    return ReportChoices(active_categories(session), all_regions(session), all_schools(session))


def take_report(
    unit: Unit,
    *,
    submission: ReportSubmission,
    directory: CodeDirectory,
    idempotency_key: str | None,
    idempotency_scope: str,
    default_phone_region: str | None,
    build_now: bool,
) -> IntakeReceipt:
    """Take a report from the web form or the app into the inbox and give its receipt.

    ``build_now`` (a danger report, while the fast lane has room) opens its case in this
    same transaction, so its on-call alert is in the outbox when the request answers.
    """
    receipt, new = receive_report(
        unit.session,
        keyring=unit.keyring,
        now=unit.now,
        submission=submission,
        directory=directory,
        idempotency_key=idempotency_key,
        scope=idempotency_scope,
        default_phone_region=default_phone_region,
    )
    if new and build_now:
        item = unit.session.get_one(IntakeItem, receipt.item_id)
        build_item(
            unit.session,
            keyring=unit.keyring,
            item=item,
            clock=unit.clock,
            default_phone_region=default_phone_region,
        )
    return receipt


@dataclass(frozen=True)
class ReportToTake:
    """One report of a group taken in together (``take_reports``), with its time of receipt."""

    submission: ReportSubmission
    idempotency_key: str | None
    idempotency_scope: str
    received_at: dt.datetime


def take_reports(
    unit: Unit,
    reports: Sequence[ReportToTake],
    *,
    directory: CodeDirectory,
    default_phone_region: str | None,
) -> list[IntakeReceipt | DomainError]:
    """Take several reports into the inbox in one transaction: each one's receipt, or why it
    was refused (a refused report writes nothing, so the others go on).

    A group commit: requests that arrive while another group is being written are written
    together, one commit (one fsync, one round trip for it) for all - what lets intake keep up
    with a burst on one SQLite file or a busy PostgreSQL. Any other error fails the whole
    group (nothing of it is kept) and the caller takes each report again on its own.
    """
    received = receive_reports(
        unit.session,
        keyring=unit.keyring,
        reports=[
            ReportToReceive(r.submission, r.idempotency_key, r.idempotency_scope, r.received_at)
            for r in reports
        ],
        directory=directory,
        default_phone_region=default_phone_region,
    )
    return [one if isinstance(one, DomainError) else one[0] for one in received]
