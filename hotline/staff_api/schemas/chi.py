"""What the staff API answers with the CHI statistics: suppressed counts only."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# A published count: the number, or "<5" (under the threshold, or hidden with it).
Count = int | str


class ChiTableOut(BaseModel):
    """CHI groups (rows) against one dimension (columns), with totals."""

    by: str = Field(description="channel, age_band, gender, region or month")
    rows: list[str] = Field(description="CHI groups")
    columns: list[str]
    cells: list[list[Count]] = Field(description="One list per row, in the columns' order")
    row_totals: list[Count]
    column_totals: list[Count]
    total: Count


class ChiStatisticsOut(BaseModel):
    """Cases opened in whole months, in the Child Helpline International data framework."""

    model_config = ConfigDict(populate_by_name=True)

    first: str = Field(alias="from", description="First month (YYYY-MM)")
    last: str = Field(alias="to", description="Last month (YYYY-MM), included")
    threshold: int = Field(description="Counts under this are shown as '<threshold'")
    scope: str = Field(description="national, or own_regions (a supervisor's)")
    cases: Count
    gender_note: str
    tables: list[ChiTableOut]
