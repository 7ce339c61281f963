"""Whole months as periods: parsing, the year's turn, and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.errors import InvalidInput
from casework.oversight.periods import Month, last_ended_month, month_period

NOW = dt.datetime(2027, 1, 15, 12, tzinfo=dt.UTC)


def test_a_period_over_the_turn_of_the_year() -> None:
    period = month_period("2026-11", "2026-12", now=NOW, ended_only=True)
    assert [str(m) for m in period.months] == ["2026-11", "2026-12"]
    assert period.start == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert period.end == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    assert last_ended_month(NOW) == Month(2026, 12)
    assert Month(2027, 1).previous() == Month(2026, 12)


def test_the_current_month_only_where_it_need_not_have_ended() -> None:
    assert str(month_period("2027-01", "2027-01", now=NOW, ended_only=False).last) == "2027-01"
    with pytest.raises(InvalidInput, match="not ended"):
        month_period("2027-01", "2027-01", now=NOW, ended_only=True)


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        ("2026-00", "2026-01", "from"),
        ("26-01", "2026-01", "from"),
        ("1999-12", "2000-01", "from"),
        ("2026-05", "2026-04", "to"),
        ("2027-02", "2027-02", "to"),
        ("2025-12", "2026-12", "period"),  # 13 months
    ],
)
def test_refused(first: str, last: str, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        month_period(first, last, now=NOW, ended_only=False)
    assert refused.value.field == field


def test_twelve_months_are_allowed() -> None:
    assert len(month_period("2026-01", "2026-12", now=NOW, ended_only=True).months) == 12
