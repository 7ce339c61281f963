"""What the staff API answers about response times: figures only, never a child's words."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from casework.oversight.response_times import Breakdown
from casework.sla.figures import ClockFigures


class ClockFiguresOut(BaseModel):
    """How one SLA clock came out over the cases counted."""

    clock: str
    stopped: int = Field(description="Clocks that ended (the ones timed)")
    met: int
    missed: int
    ended_otherwise: int = Field(
        description="Ended in time by something else (e.g. the case closed): not within target"
    )
    running: int
    breaches: int = Field(description="Missed, plus running clocks already past due")
    median_minutes: float | None
    p90_minutes: float | None
    within_target: float | None = Field(description="Share of ended clocks that were met")

    @classmethod
    def of(cls, figures: ClockFigures) -> ClockFiguresOut:
        """The figures as the API shows them."""
        return cls(
            clock=figures.clock.value,
            stopped=figures.stopped,
            met=figures.met,
            missed=figures.missed,
            ended_otherwise=figures.ended_otherwise,
            running=figures.running,
            breaches=figures.breaches,
            median_minutes=figures.median_minutes,
            p90_minutes=figures.p90_minutes,
            within_target=figures.within_target,
        )


class GroupOut(BaseModel):
    """One group of the breakdown."""

    key: str = Field(description="What a filter on this breakdown names ('none': no value)")
    label: str
    clocks: list[ClockFiguresOut]


class TargetSharesOut(BaseModel):
    """How long the ended clocks of one kind took against the time they were allowed."""

    clock: str
    counts: list[int] = Field(description="Clocks per share of the allowed time, as `labels`")


class ResponseTimesOut(BaseModel):
    """Response times for the cases opened in a period, overall and per group."""

    opened_from: dt.datetime
    opened_to: dt.datetime
    cases: int
    filters: dict[Breakdown, list[str]]
    overall: list[ClockFiguresOut]
    by: Breakdown | None
    groups: list[GroupOut]
    share_labels: list[str] = Field(description="Shares of the allowed time, in count order")
    target_shares: list[TargetSharesOut]
    trend: list[GroupOut] = Field(description="Per week opened (key: its Monday), if asked")
