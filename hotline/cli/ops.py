"""Operator commands: the audit trail, key rotation, erasure. Registered by ``hotline.cli.main``."""

from __future__ import annotations

import getpass
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from sqlalchemy.orm import Session

from casework.actors import Actor
from casework.audit import log as audit_log
from casework.audit import merkle, tree
from casework.audit.note import NoteError, Verifier, open_checkpoint, verifier_key
from casework.audit.record import AuditAction, record_event
from casework.audit.sequencer import issue_checkpoint, latest_checkpoint, sequence
from casework.audit.verify import Verification
from casework.cases.reference import normalise_reference
from casework.cases.repository import case_by_reference
from casework.clock import SystemClock
from casework.enums import ActorKind
from casework.lifecycle.erasure import erase_case
from casework.protection.keys import Keyring
from casework.protection.rotation import keys_using
from hotline.bootstrap import build_key_file
from hotline.cli.key_rotation import rotate
from hotline.runtime.database import Database
from hotline.settings import Settings, SettingsError, load_settings
from integrations.keys.local import LocalKeyFile

T = TypeVar("T")

audit_app = typer.Typer(
    help="The tamper-evident audit trail.", no_args_is_help=True, pretty_exceptions_enable=False
)
keys_app = typer.Typer(
    help="Master keys and data keys.", no_args_is_help=True, pretty_exceptions_enable=False
)
cases_app = typer.Typer(
    help="Case operations.", no_args_is_help=True, pretty_exceptions_enable=False
)


def _operator() -> Actor:
    return Actor(ActorKind.SYSTEM, id=f"cli:{getpass.getuser()}"[:64])


@contextmanager
def _context() -> Iterator[tuple[Settings, Database, LocalKeyFile, Keyring]]:
    try:
        settings = load_settings()
        db = Database.from_settings(settings)
        keys = build_key_file(settings, engine=db.engine)
    except SettingsError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        yield settings, db, keys, Keyring(keys)
    finally:
        db.dispose()


def _write(db: Database, fn: Callable[[Session], T]) -> T:
    return db.run(fn, write=True)


def _read(db: Database, fn: Callable[[Session], T]) -> T:
    return db.run(fn, write=False)


# ---------------------------------------------------------------------------------- audit
def _catch_up(db: Database, keys: LocalKeyFile) -> int:
    total = 0
    while (done := _write(db, lambda s: sequence(s, batch=5000))) > 0:
        total += done
    _write(db, lambda s: issue_checkpoint(s, signer=keys, now=SystemClock().now()))
    return total


@audit_app.command("sequence")
def audit_sequence() -> None:
    """Sequence every pending event now and sign a checkpoint."""
    with _context() as (_, db, keys, _keyring):
        typer.echo(f"Sequenced {_catch_up(db, keys)} events.")


@audit_app.command("public-key")
def audit_public_key() -> None:
    """Print the verifier key auditors need (name+id+key); the log's origin goes to stderr."""
    with _context() as (_, _db, keys, _keyring):
        typer.echo(f"Audit log origin: {keys.name}", err=True)
        typer.echo(verifier_key(keys.name, keys.public_key()))


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sequence what is pending, then print the latest signed checkpoint (to anchor elsewhere)."""
    with _context() as (_, db, keys, _keyring):
        _catch_up(db, keys)
        note = _read(db, latest_checkpoint)
        if note is None:
            typer.echo("The audit trail is empty.", err=True)
            raise typer.Exit(1)
        sys.stdout.write(note)


def _report(result: Verification) -> None:
    if result.ok:
        typer.echo(f"OK: {result.size} entries, {result.checkpoints} signed checkpoints verified.")
        return
    where = (
        ""
        if result.first_bad_position is None
        else f" First bad position: {result.first_bad_position}."
    )
    typer.echo(f"FAILED: {result.problem}.{where}", err=True)
    raise typer.Exit(1)


def _verifier(key: str | None, keys: LocalKeyFile | None) -> Verifier:
    text = key or (verifier_key(keys.name, keys.public_key()) if keys else "")
    try:
        return Verifier.parse(text)
    except NoteError as exc:
        typer.echo(f"Bad verifier key: {exc}", err=True)
        raise typer.Exit(2) from None


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[
        list[Path] | None, typer.Option(help="A checkpoint kept outside the database (repeatable).")
    ] = None,
    log_file: Annotated[
        Path | None, typer.Option("--log", help="Verify an exported log offline instead.")
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="Verifier key (name+id+key); default: this installation's.")
    ] = None,
    nodes: Annotated[
        bool, typer.Option("--nodes", help="Also recompute every stored interior node.")
    ] = False,
) -> None:
    """Check signatures, contiguity, every leaf and every checkpoint root; exit 1 on failure."""
    extra = [p.read_text() for p in checkpoint or []]
    if log_file is not None:
        verifier = _verifier(key, None)
        with log_file.open() as lines:
            try:
                result = audit_log.verify_export(lines, verifier=verifier, extra_checkpoints=extra)
            except ValueError as exc:
                typer.echo(f"FAILED: {exc}", err=True)
                raise typer.Exit(1) from None
        _report(result)
        return
    with _context() as (_, db, keys, _keyring):
        verifier = _verifier(key, keys)
        started = time.perf_counter()
        result = _read(
            db, lambda s: audit_log.verify_stored(s, verifier=verifier, extra_checkpoints=extra)
        )
        if nodes and result.ok:
            bad = _read(db, lambda s: audit_log.check_stored_nodes(s, result.size))
            if bad is not None:
                result.fail(bad, f"a stored interior node over position {bad} is wrong")
        pending = _read(db, audit_log.pending_count)
        typer.echo(
            f"Checked in {time.perf_counter() - started:.1f} s; {pending} events not yet sequenced."
        )
        _report(result)


def _signed_head(s: Session, size: int | None, keys: LocalKeyFile) -> tuple[int, bytes, str]:
    """The tree size and root to prove against: a signed checkpoint whenever there is one."""
    verifier = Verifier.parse(verifier_key(keys.name, keys.public_key()))
    notes = {
        c.size: c for c in (open_checkpoint(n, verifier) for n in audit_log.checkpoint_notes(s))
    }
    stored = tree.tree_size(s)
    n = size if size is not None else max(notes, default=stored)
    if not 0 < n <= stored:
        raise typer.BadParameter(f"size must be between 1 and the tree size {stored}")
    if n in notes:
        return n, notes[n].root, "signed checkpoint"
    return n, tree.root_at(s, n), "stored tree (no checkpoint at this size)"


@audit_app.command("prove")
def audit_prove(
    position: int,
    size: Annotated[
        int | None, typer.Option(help="Tree size; default: the newest signed checkpoint.")
    ] = None,
) -> None:
    """Print an inclusion proof for the entry at POSITION, as JSON, checked against the root."""
    with _context() as (_, db, keys, _keyring):

        def prove(s: Session) -> dict[str, object]:
            n, root, source = _signed_head(s, size, keys)
            if not 0 <= position < n:
                raise typer.BadParameter(f"position must be below the tree size {n}")
            proof = tree.inclusion_proof(s, position, n)
            leaf = tree.leaf_at(s, position)
            if leaf is None:
                raise typer.BadParameter(f"no leaf is stored at {position}: run audit verify")
            return {
                "position": position,
                "size": n,
                "leaf_hash": leaf.hex(),
                "root": root.hex(),
                "root_from": source,
                "proof": [p.hex() for p in proof],
                "verified": merkle.verify_inclusion(position, n, leaf, proof, root),
            }

        typer.echo(json.dumps(_read(db, prove), indent=2))


@audit_app.command("consistency")
def audit_consistency(old: int, new: int) -> None:
    """Print a consistency proof between tree sizes OLD and NEW, as JSON."""
    with _context() as (_, db, keys, _keyring):

        def prove(s: Session) -> dict[str, object]:
            if not 0 <= old <= new <= tree.tree_size(s):
                raise typer.BadParameter("need 0 <= OLD <= NEW <= current size")
            proof = tree.consistency_proof(s, old, new)
            r1 = _signed_head(s, old, keys)[1] if old else merkle.EMPTY_ROOT
            r2 = _signed_head(s, new, keys)[1] if new else merkle.EMPTY_ROOT
            return {
                "old": old,
                "new": new,
                "old_root": r1.hex(),
                "new_root": r2.hex(),
                "proof": [p.hex() for p in proof],
                "verified": merkle.verify_consistency(old, new, r1, r2, proof),
            }

        typer.echo(json.dumps(_read(db, prove), indent=2))


@audit_app.command("export")
def audit_export(out: Path) -> None:
    """Write the whole log (ciphertext only) and its checkpoints to OUT, for offline audit."""
    with _context() as (_, db, keys, keyring):
        _catch_up(db, keys)
        with out.open("w") as handle:
            count = _read(db, lambda s: audit_log.export_log(s, handle))
        _write(
            db,
            lambda s: record_event(
                s,
                keyring=keyring,
                action=AuditAction.AUDIT_EXPORTED,
                actor=_operator(),
                object_type="audit_log",
                object_id="export",
                details={"entries": count},
                now=SystemClock().now(),
            ),
        )
        typer.echo(f"Exported {count} entries to {out}.")


# ---------------------------------------------------------------------------------- keys
@keys_app.command("init")
def keys_init(path: Path) -> None:
    """Create a new key file for production (mode 0600); refuses to replace an existing one.

    Keep a copy somewhere safe and separate from database backups: without it, the data
    cannot be read.
    """
    if path.exists():
        typer.echo(
            f"Refusing to overwrite {path}: it may hold the only copy of the keys.", err=True
        )
        raise typer.Exit(2)
    keys = LocalKeyFile(path, create=True, signer_name="hotline/audit")
    typer.echo(f"Created {path} with master key {keys.current_key_id()}.")
    typer.echo("Set HOTLINE_KEY_FILE to this path; back it up apart from the database.")


@keys_app.command(
    "rotate",
    help="Add a master key version and re-wrap every data key to it, in batches, while "
    "serving.\n\nA run that finds an unfinished rotation (data keys still wrapped by an older "
    "version, e.g. after an interruption) finishes it and adds no version; otherwise each run "
    "adds one. --rewrap-only never adds one.",
)
def keys_rotate(
    batch: Annotated[int, typer.Option(min=1, max=10_000)] = 500,
    rewrap_only: Annotated[
        bool, typer.Option(help="Do not add a master key version; only re-wrap to the current one.")
    ] = False,
) -> None:
    """Rotate the master key, or finish an unfinished rotation (help: above)."""
    with _context() as (_, db, keys, keyring):
        result = rotate(
            db,
            keys=keys,
            keyring=keyring,
            clock=SystemClock(),
            actor=_operator(),
            batch=batch,
            add_version=not rewrap_only,
            progress=lambda done, total: typer.echo(f"  re-wrapped {done}/{total}"),
        )
        if result.added:
            typer.echo(f"Added master key {result.key_id}.")
        elif result.resumed and not rewrap_only:
            typer.echo(
                f"Finished an unfinished rotation to {result.key_id} instead of adding "
                "another version."
            )
        typer.echo(
            f"Done: every data key is wrapped by {result.key_id} ({result.rewrapped} re-wrapped)."
        )


@keys_app.command("retire")
def keys_retire(key_id: str) -> None:
    """Remove an old master key version once no data key uses it (old backups then stay shut)."""
    with _context() as (_, db, keys, keyring):
        if key_id == keys.current_key_id():
            typer.echo("Refusing to retire the current master key.", err=True)
            raise typer.Exit(2)
        in_use = _read(db, lambda s: keys_using(s, key_id))
        if in_use:
            typer.echo(
                f"{in_use} data keys still use {key_id}: run `hotline keys rotate` first.", err=True
            )
            raise typer.Exit(1)
        _write(
            db,
            lambda s: record_event(
                s,
                keyring=keyring,
                action=AuditAction.KEYS_RETIRED,
                actor=_operator(),
                object_type="master_key",
                object_id=key_id,
                details={},
                now=SystemClock().now(),
            ),
        )
        if not keys.remove_version(key_id):
            typer.echo(f"There is no master key {key_id}.", err=True)
            raise typer.Exit(1)
        typer.echo(f"Retired master key {key_id}.")


# ---------------------------------------------------------------------------------- cases
@cases_app.command(
    "erase",
    help="Crypto-shred a case: destroy its data key so its fields can never be read again."
    "\n\nAsks to type the reference again first, unless --yes; without a terminal and "
    "without --yes it refuses (exit code 2) and erases nothing.",
)
def cases_erase(
    reference: str,
    reason: Annotated[str, typer.Option(help="Why (recorded, sealed, in the audit trail).")],
    yes: Annotated[
        bool,
        typer.Option("--yes", help="Do not ask to type the reference again (scripts)."),
    ] = False,
) -> None:
    """Crypto-shred a case after the operator confirms it (help: above)."""
    ref = normalise_reference(reference)
    if ref is None:
        typer.echo("That is not a case reference.", err=True)
        raise typer.Exit(2)
    with _context() as (_, db, _keys, keyring):
        if _read(db, lambda s: case_by_reference(s, ref)) is None:
            typer.echo(f"There is no case {ref}.", err=True)
            raise typer.Exit(1)
        if not yes:
            _confirm_erasure(ref)

        def erase(s: Session) -> str:
            case = case_by_reference(s, ref)
            if case is None:
                raise typer.BadParameter(f"no case {ref}")
            result = erase_case(
                s,
                keyring=keyring,
                case=case,
                actor=_operator(),
                reason=reason,
                now=SystemClock().now(),
            )
            return "was already erased" if result.already_erased else "is erased"

        typer.echo(f"Case {ref} {_write(db, erase)}.")


def _confirm_erasure(ref: str) -> None:
    """The operator types the reference again at a terminal (erasure cannot be undone)."""
    if not sys.stdin.isatty():
        typer.echo(
            f"Not erased: erasing {ref} cannot be undone. Run this at a terminal to confirm "
            "it, or add --yes.",
            err=True,
        )
        raise typer.Exit(2)
    typer.echo(f"Erasing {ref} destroys its data for good; it cannot be undone.")
    typed = typer.prompt("Type the reference again to confirm", default="", show_default=False)
    if normalise_reference(typed) != ref:
        typer.echo("Not erased: that is not the same reference.", err=True)
        raise typer.Exit(1)
