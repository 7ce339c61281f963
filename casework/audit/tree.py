"""The Merkle tree as stored in ``audit_node``: size, roots and proofs in O(log n) reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from casework.audit import merkle
from casework.audit.models import AuditNode

T = TypeVar("T")
_PLACEHOLDER = b"\x00" * 32


class MissingNode(Exception):
    """A subtree hash the tree needs is not stored (the stored tree is damaged)."""


def tree_size(session: Session) -> int:
    """How many leaves the log holds."""
    last = session.scalar(select(func.max(AuditNode.idx)).where(AuditNode.level == 0))
    return 0 if last is None else int(last) + 1


def _fetch(session: Session, coords: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    if not coords:
        return {}
    rows = session.execute(
        select(AuditNode.level, AuditNode.idx, AuditNode.hash).where(
            tuple_(AuditNode.level, AuditNode.idx).in_(sorted(coords))
        )
    )
    return {(int(level), int(idx)): bytes(h) for level, idx, h in rows}


def with_stored_nodes(session: Session, compute: Callable[[merkle.HashFn], T]) -> T:
    """Run a tree computation against stored nodes, fetching all it needs in one query."""
    wanted: set[tuple[int, int]] = set()

    def record(level: int, idx: int) -> bytes:
        wanted.add((level, idx))
        return _PLACEHOLDER

    compute(record)  # a dry run only learns which nodes are needed
    found = _fetch(session, wanted)

    def lookup(level: int, idx: int) -> bytes:
        try:
            return found[(level, idx)]
        except KeyError:
            raise MissingNode(f"subtree ({level}, {idx}) is not stored") from None

    return compute(lookup)


def root_at(session: Session, size: int) -> bytes:
    """Root hash of the log's first ``size`` entries."""
    return with_stored_nodes(session, lambda nodes: merkle.root(size, nodes))


def load_frontier(session: Session, size: int) -> merkle.Frontier:
    """The right edge of the stored tree, to append to."""
    return with_stored_nodes(session, lambda nodes: merkle.Frontier.load(size, nodes))


def inclusion_proof(session: Session, position: int, size: int) -> list[bytes]:
    """Proof that the entry at ``position`` is in the tree of ``size``."""
    return with_stored_nodes(session, lambda nodes: merkle.inclusion_proof(position, size, nodes))


def consistency_proof(session: Session, old: int, new: int) -> list[bytes]:
    """Proof that the tree of ``new`` entries extends the tree of ``old``."""
    return with_stored_nodes(session, lambda nodes: merkle.consistency_proof(old, new, nodes))


def leaf_at(session: Session, position: int) -> bytes | None:
    """The stored leaf hash at a position."""
    found = _fetch(session, {(0, position)})
    return found.get((0, position))
