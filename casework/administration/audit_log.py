"""The audit log as the operator works it from the command line: proofs that an entry is in
the log, or that the log only grew, each checked against the root of a signed checkpoint
whenever there is one at that size; and the record that the log was exported."""

from __future__ import annotations

from dataclasses import dataclass

from casework.administration.operator import Operating, audited_by
from casework.audit import log, merkle, tree
from casework.audit.note import Verifier, open_checkpoint
from casework.audit.record import AuditAction, record_event
from casework.context import Unit
from casework.errors import InvalidInput


@dataclass(frozen=True)
class SignedHead:
    """A tree size, its root, and where the root comes from."""

    size: int
    root: bytes
    source: str


@dataclass(frozen=True)
class InclusionProof:
    """That the entry at ``position`` is in the tree of ``head.size`` entries."""

    position: int
    head: SignedHead
    leaf_hash: bytes
    proof: list[bytes]
    verified: bool


@dataclass(frozen=True)
class ConsistencyProof:
    """That the tree of ``old`` entries is the start of the tree of ``new`` entries."""

    old: int
    new: int
    old_root: bytes
    new_root: bytes
    proof: list[bytes]
    verified: bool


def signed_head(unit: Unit, size: int | None, *, verifier: Verifier) -> SignedHead:
    """The tree size and root to prove against (default size: the newest signed checkpoint,
    or the whole stored tree when none is signed): a signed checkpoint's root whenever there
    is one at that size."""
    notes = {
        c.size: c
        for c in (open_checkpoint(n, verifier) for n in log.checkpoint_notes(unit.session))
    }
    stored = tree.tree_size(unit.session)
    n = size if size is not None else max(notes, default=stored)
    if not 0 < n <= stored:
        raise InvalidInput("size", f"size must be between 1 and the tree size {stored}")
    if n in notes:
        return SignedHead(n, notes[n].root, "signed checkpoint")
    return SignedHead(n, tree.root_at(unit.session, n), "stored tree (no checkpoint at this size)")


def prove_inclusion(
    unit: Unit, position: int, *, size: int | None, verifier: Verifier
) -> InclusionProof:
    """An inclusion proof for the entry at ``position``, checked against the root."""
    head = signed_head(unit, size, verifier=verifier)
    if not 0 <= position < head.size:
        raise InvalidInput("position", f"position must be below the tree size {head.size}")
    proof = tree.inclusion_proof(unit.session, position, head.size)
    leaf = tree.leaf_at(unit.session, position)
    if leaf is None:
        raise InvalidInput("position", f"no leaf is stored at {position}: run audit verify")
    verified = merkle.verify_inclusion(position, head.size, leaf, proof, head.root)
    return InclusionProof(position, head, leaf, proof, verified)


def prove_consistency(unit: Unit, old: int, new: int, *, verifier: Verifier) -> ConsistencyProof:
    """A consistency proof between tree sizes ``old`` and ``new``, checked against the
    roots."""
    if not 0 <= old <= new <= tree.tree_size(unit.session):
        raise InvalidInput("size", "need 0 <= OLD <= NEW <= current size")
    proof = tree.consistency_proof(unit.session, old, new)
    r1 = signed_head(unit, old, verifier=verifier).root if old else merkle.EMPTY_ROOT
    r2 = signed_head(unit, new, verifier=verifier).root if new else merkle.EMPTY_ROOT
    verified = merkle.verify_consistency(old, new, r1, r2, proof)
    return ConsistencyProof(old, new, r1, r2, proof, verified)


def note_export(op: Operating, *, entries: int) -> None:
    """Record in the trail that the operator exported the log (``entries`` of it)."""
    record_event(
        **audited_by(op),
        action=AuditAction.AUDIT_EXPORTED,
        object_type="audit_log",
        object_id="export",
        details={"entries": entries},
    )
