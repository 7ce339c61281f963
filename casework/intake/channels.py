"""The intake use cases the reporting channels (web form, app) call through the request
context: what a report may name, and taking a report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from casework.context import Unit
from casework.intake.schemas import PreparedFollowUp, ReportReceipt, ReportSubmission
from casework.intake.service import submit_report
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
    follow_up: PreparedFollowUp,
    idempotency_key: str | None,
    idempotency_scope: str,
    default_phone_region: str | None,
) -> ReportReceipt:
    """Store a report from the web form or the app, its follow-up code prepared beforehand."""
    return submit_report(
        unit.session,
        submission=submission,
        follow_up=follow_up,
        clock=unit.clock,
        idempotency_key=idempotency_key,
        idempotency_scope=idempotency_scope,
        default_phone_region=default_phone_region,
        keyring=unit.keyring,
    )
