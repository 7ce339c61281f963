"""Every code the console can show has words of its own (no fallback), and triage factors
read as sentences. Pure: no database."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import pytest

from casework.enums import (
    ActorKind,
    CaseEventKind,
    CaseStatus,
    Channel,
    PerpetratorRole,
    Priority,
    ReporterRole,
)
from casework.handling.closure import OUTCOMES, VIEWS_MISSING_REASONS
from casework.handling.lifecycle import PAUSE_REASONS
from casework.languages import SUPPORTED_LANGUAGES
from casework.partners.models import Consent, PartnerType, ReferralStatus
from casework.partners.referrals import CONSENT_FROM
from casework.sla.clocks import Outcome
from casework.sla.models import ClockKind
from casework.staff.models import Role
from hotline.runtime.labels import LABELS, factor, humanise, label, options

VOCABULARIES: list[tuple[str, Iterable[str | enum.Enum]]] = [
    ("priority", Priority),
    ("status", CaseStatus),
    ("outcome", OUTCOMES),
    ("views_missing", VIEWS_MISSING_REASONS),
    ("pause_reason", PAUSE_REASONS),
    ("channel", Channel),
    ("perpetrator_role", PerpetratorRole),
    ("reporter_role", ReporterRole),
    ("referral_status", ReferralStatus),
    ("consent", Consent),
    ("consent_from", CONSENT_FROM),
    ("partner_kind", PartnerType),
    ("language", SUPPORTED_LANGUAGES),
    ("role", Role),
    ("clock", ClockKind),
    ("clock_state", [*Outcome, "running", "warning", "breached", "paused"]),
    ("actor", ActorKind),
    ("event", CaseEventKind),
]


@pytest.mark.parametrize(("vocabulary", "codes"), VOCABULARIES, ids=[v for v, _ in VOCABULARIES])
def test_every_code_has_its_own_words(vocabulary: str, codes: Iterable[str | enum.Enum]) -> None:
    for code in codes:
        value = str(getattr(code, "value", code))
        assert value in LABELS[vocabulary], f"{vocabulary}: {value} has no label"
        assert "_" not in label(code, vocabulary)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("authority:teacher", "Alleged perpetrator in authority (teacher)"),
        ("authority:implied", "Alleged perpetrator in authority (implied by the category)"),
        ("young:8", "Young child (8)"),
        ("very_young:4", "Very young child (4)"),
        ("repeat_school:3", "3 earlier reports about this school"),
        ("repeat_school:1", "1 earlier report about this school"),
        ("repeat_person:2", "2 earlier reports about the same person"),
        ("category:sexual_abuse", "Serious harm (sexual abuse)"),
        ("immediate_danger", "Someone is in danger now"),
        ("not_ongoing", "Has stopped"),
        ("something_new:x_y", "Something new (X y)"),  # unknown: still words, never the code
    ],
)
def test_triage_factors_read_as_words(code: str, words: str) -> None:
    assert factor(code) == words


def test_languages_are_named_in_their_own_words() -> None:
    assert [label(code, "language") for code in ("en", "fr", "bg", "fil")] == [
        "English",
        "Français",
        "Български",
        "Filipino",
    ]


def test_an_unknown_code_is_still_shown_as_words() -> None:
    assert label("brand_new_outcome", "outcome") == "Brand new outcome"
    assert humanise("a_b:c") == "A b c"


def test_choices_come_in_the_order_of_their_table() -> None:
    assert options(sorted(OUTCOMES), "outcome")[0] == (
        "referred_support",
        "Referred: a partner is helping the child",
    )
    assert [value for value, _ in options(list(Priority), "priority")] == ["P1", "P2", "P3", "P4"]
