"""The school or region a child names, found in the directory however they spell it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.places.matching import find_place
from casework.places.models import Region, School
from hotline.runtime.database import Database


@pytest.mark.parametrize(
    ("words", "school", "region"),
    [
        ("Central High School", "capital-002", "capital"),
        ("central high", "capital-002", "capital"),
        ("Riverside primary", "capital-001", "capital"),
        ("riversde", "capital-001", "capital"),  # a typo
        ("école Riverside", "capital-001", "capital"),  # French words around it
        ("училище Ривърсайд", "capital-001", "capital"),  # written in Cyrillic
        ("Централното училище", "capital-002", "capital"),  # with a Bulgarian ending
        ("paaralang Sunrise", "south-002", "south"),  # Filipino
        ("Pine Valley", "north-001", "north"),
        ("Hilview", "capital-003", "capital"),
        ("capital-002", "capital-002", "capital"),  # the code itself
        ("my school in the north", None, "north"),  # only a region
        ("capital school", None, "capital"),
        ("pine", None, None),  # half a name is no name
        ("at school", None, None),
        ("at home", None, None),
        ("", None, None),
    ],
)
def test_the_place_named(
    db: Database, places: None, words: str, school: str | None, region: str | None
) -> None:
    def run(s):  # type: ignore[no-untyped-def]
        found = find_place(s, words)
        if found is None:
            return None, None
        school_code = (
            s.scalar(select(School.code).where(School.id == found.school_id))
            if found.school_id
            else None
        )
        return school_code, s.scalar(select(Region.code).where(Region.id == found.region_id))

    assert db.run(run, write=False) == (school, region)


def test_two_schools_equally_named_give_only_their_region(db: Database, places: None) -> None:
    def run(s):  # type: ignore[no-untyped-def]
        capital = s.scalar(select(Region.id).where(Region.code == "capital"))
        s.add(School(code="capital-009", name="Riverside High School", region_id=capital))
        s.flush()
        return find_place(s, "riverside")

    found = db.run(run, write=True)
    assert found is not None
    assert found.school_id is None
