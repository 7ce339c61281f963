"""The one table of staff commands and the access action each needs."""

from __future__ import annotations

import ast
import pathlib

from casework.access.policy import Action
from casework.handling.finding import REQUIRES, Command

HANDLING = pathlib.Path(__file__).parents[2] / "casework" / "handling"


def test_every_command_names_the_action_it_needs() -> None:
    assert set(REQUIRES) == set(Command)
    assert REQUIRES[Command.DECIDE_CLOSURE] is Action.CASE_SUPERVISE
    assert REQUIRES[Command.ASSIGN] is Action.CASE_ASSIGN
    assert REQUIRES[Command.RESTRICT] is Action.CASE_RESTRICT
    assert REQUIRES[Command.READ_EVIDENCE] is Action.EVIDENCE_READ


def test_every_command_is_taken_by_a_use_case() -> None:
    """A command in the table that no use case takes is dead; one taken twice is ambiguous
    only if the two disagree, which the table rules out - so each must be used somewhere."""
    used: set[str] = set()
    for path in HANDLING.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "Command"
            ):
                used.add(node.attr)
    assert {c.name for c in Command} <= used


def test_no_route_or_page_declares_a_case_action() -> None:
    """Which action a command needs is declared once, in the table - never at a route."""
    hotline = pathlib.Path(__file__).parents[2] / "hotline"
    offenders = [
        str(path)
        for path in hotline.rglob("*.py")
        if "find_case(" in path.read_text() or "may_on(" in path.read_text()
    ]
    assert offenders == []
