"""Verifying the audit trail, from the database or offline from an exported log.

What is checked, in one pass in position order:
1. every checkpoint's Ed25519 signature, against the log's public key only;
2. positions run 0, 1, 2 ... without a gap or a repeat;
3. each event's leaf hash, recomputed from its canonical bytes (payload as ciphertext, so
   no decryption key is needed and erased cases still verify), equals the leaf hash stored
   for its position (database mode), which exposes an event altered, moved, swapped or
   inserted at exactly that position;
4. the root recomputed from the events equals every signed checkpoint root, and the log is
   at least as long as the largest checkpoint (no truncation below a checkpoint).
If the stored tree itself was rewritten consistently, check 3 cannot see it; the signed
checkpoints still do, and the report names the first position they no longer vouch for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from casework.audit.merkle import Frontier, leaf_hash
from casework.audit.note import Checkpoint, NoteError, Verifier, open_checkpoint


@dataclass
class Verification:
    """The outcome: ``ok``, or the first bad position and what was wrong there."""

    size: int = 0
    checkpoints: int = 0
    first_bad_position: int | None = None
    problem: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was found wrong."""
        return self.problem is None

    def fail(self, position: int | None, problem: str) -> Verification:
        """Record the first problem (later ones are not looked for)."""
        if self.problem is None:
            self.first_bad_position, self.problem = position, problem
        return self


def _checkpoints(
    notes: Sequence[str], verifier: Verifier, result: Verification
) -> list[Checkpoint] | None:
    parsed = []
    for note in notes:
        try:
            parsed.append(open_checkpoint(note, verifier))
        except NoteError as exc:
            result.fail(None, f"a checkpoint does not verify: {exc}")
            return None
    return sorted(parsed, key=lambda c: c.size)


def verify_log(
    records: Iterable[tuple[int, bytes, bytes | None]],
    *,
    checkpoints: Sequence[str],
    verifier: Verifier,
    stored_leaves: bool,
) -> Verification:
    """Check a log given as (position, canonical bytes, stored leaf hash) in position order.

    ``stored_leaves`` says whether the third element is the hash stored for the position
    (database mode) or absent (offline mode, ``None``).
    """
    result = Verification()
    trusted = _checkpoints(checkpoints, verifier, result)
    if trusted is None:
        return result
    result.checkpoints = len(trusted)
    roots = {c.size: c.root for c in trusted}
    # The sizes to stop at, in the order the log reaches them (an empty log has nothing to
    # compare): one comparison per event instead of a lookup.
    sizes = iter(sorted(size for size in roots if size > 0))
    next_signed = next(sizes, None)
    frontier = Frontier()
    add = frontier.add
    vouched = 0  # every position below this is covered by a verified checkpoint
    for expected, (position, canonical, stored) in enumerate(records):
        if position != expected:
            return result.fail(expected, f"position {expected} is missing (found {position})")
        leaf = leaf_hash(canonical)
        if stored_leaves and stored != leaf:
            what = "has no stored leaf" if stored is None else "does not match its stored leaf hash"
            return result.fail(expected, f"the event at position {expected} {what}")
        add(leaf)
        if frontier.size == next_signed:
            if frontier.root() != roots[next_signed]:
                return result.fail(
                    vouched,
                    f"the log differs from the checkpoint signed at size {next_signed}: "
                    f"the first change is at or after position {vouched}",
                )
            vouched = next_signed
            next_signed = next(sizes, None)
    result.size = frontier.size
    if trusted and trusted[-1].size > frontier.size:
        return result.fail(
            frontier.size,
            f"the log ends at {frontier.size} entries but a checkpoint was signed at size "
            f"{trusted[-1].size}: entries were removed",
        )
    return result
