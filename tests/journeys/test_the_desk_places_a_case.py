"""The national desk places a case by hand: a text that never named a school sits with the
desk; its caseworker sets the school and the teacher on the case page; the case is triaged
again (a teacher: at least P2) and moves to the region's caseworker, who finds it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.journeys.child import REFERENCE, Phone
from tests.journeys.console import find_in_queue, open_case
from tests.journeys.service import Service


def test_the_desk_places_an_unplaced_case_and_the_region_takes_it(
    hotline: Service, consoles: Callable[[Service, str], Any]
) -> None:
    phone = Phone(hotline.base, "en")
    said: list[str] = []
    for text in ("someone at my school keeps hurting me", "near the shops", "no", "no"):
        said += phone.text(text)
    found = REFERENCE.search("\n".join(said))
    assert found is not None, said
    reference = found.group()

    desk = consoles(hotline, "cw.dara")
    assert find_in_queue(desk, hotline, reference, view="mine")
    assert "Region not known yet" in open_case(desk, reference)
    desk.locator("#f-school").fill("riverside primary")
    desk.locator("#f-category").select_option("corporal_punishment")
    desk.locator("#f-perpetrator_role").select_option("teacher")
    desk.get_by_role("button", name="Save and re-route").click()
    # Handed over: it left the desk's queue for the capital's, and Dara is told so.
    assert "now belongs to another team's queue" in desk.locator("p.flash").inner_text()

    answer = hotline.staff_get("sv.chen", "/api/staff/v1/cases", reference=reference)
    (case,) = answer.json()["cases"]
    assert (case["region"], case["school"], case["perpetrator_role"]) == (
        "capital",
        "capital-001",
        "teacher",
    )
    assert case["priority"] in ("P1", "P2")
    amina = consoles(hotline, "cw.amina")  # on shift in the capital, speaks English
    assert find_in_queue(amina, hotline, reference, view="mine")
    assert "keeps hurting me" in open_case(amina, reference)
