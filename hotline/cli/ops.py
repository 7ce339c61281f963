"""Operator commands: the audit trail, key rotation, erasure. Registered by ``hotline.cli.main``."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from casework.administration.audit_log import note_export, prove_consistency, prove_inclusion
from casework.administration.keys import KeyInUse, retire_master_key
from casework.audit import log as audit_log
from casework.audit.note import NoteError, Verifier, verifier_key
from casework.audit.sequencer import issue_checkpoint, latest_checkpoint, sequence
from casework.audit.status import record_verify_run
from casework.audit.verify import Verification
from casework.cases.reference import normalise_reference
from casework.cases.repository import case_by_reference
from casework.errors import InvalidInput, NotFound
from casework.lifecycle.erasure import erase_by_reference
from hotline.cli.context import Command, command
from hotline.cli.key_rotation import rotate
from integrations.keys.local import LocalKeyFile

audit_app = typer.Typer(
    help="The tamper-evident audit trail.", no_args_is_help=True, pretty_exceptions_enable=False
)
keys_app = typer.Typer(
    help="Master keys and data keys.", no_args_is_help=True, pretty_exceptions_enable=False
)
cases_app = typer.Typer(
    help="Case operations.", no_args_is_help=True, pretty_exceptions_enable=False
)


# ---------------------------------------------------------------------------------- audit
def _catch_up(cmd: Command) -> int:
    total = 0
    while (done := cmd.db.run(lambda s: sequence(s, batch=5000), write=True)) > 0:
        total += done
    cmd.db.run(lambda s: issue_checkpoint(s, signer=cmd.keys, now=cmd.clock.now()), write=True)
    return total


@audit_app.command("sequence")
def audit_sequence() -> None:
    """Sequence every pending event now and sign a checkpoint."""
    with command() as cmd:
        typer.echo(f"Sequenced {_catch_up(cmd)} events.")


@audit_app.command("public-key")
def audit_public_key() -> None:
    """Print the verifier key auditors need (name+id+key); the log's origin goes to stderr."""
    with command() as cmd:
        typer.echo(f"Audit log origin: {cmd.keys.name}", err=True)
        typer.echo(verifier_key(cmd.keys.name, cmd.keys.public_key()))


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sequence what is pending, then print the latest signed checkpoint (to anchor elsewhere)."""
    with command() as cmd:
        _catch_up(cmd)
        note = cmd.db.run(latest_checkpoint, write=False)
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
    """Check signatures, contiguity, every leaf and every checkpoint root; exit 1 on failure
    (a check of the database is recorded for the console's audit page)."""
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
    with command() as cmd:
        verifier = _verifier(key, cmd.keys)
        started = time.perf_counter()
        result = cmd.db.run(
            lambda s: audit_log.verify_stored(s, verifier=verifier, extra_checkpoints=extra),
            write=False,
        )
        if nodes and result.ok:
            bad = cmd.db.run(lambda s: audit_log.check_stored_nodes(s, result.size), write=False)
            if bad is not None:
                result.fail(bad, f"a stored interior node over position {bad} is wrong")
        pending = cmd.db.run(audit_log.pending_count, write=False)
        # Kept so the console's audit page can say when the trail was last found intact.
        cmd.db.run(
            lambda s: record_verify_run(
                s, result, ran_by=cmd.actor.id or "cli", now=cmd.clock.now()
            ),
            write=True,
        )
        typer.echo(
            f"Checked in {time.perf_counter() - started:.1f} s; {pending} events not yet sequenced."
        )
        _report(result)


@audit_app.command("prove")
def audit_prove(
    position: int,
    size: Annotated[
        int | None, typer.Option(help="Tree size; default: the newest signed checkpoint.")
    ] = None,
) -> None:
    """Print an inclusion proof for the entry at POSITION, as JSON, checked against the root."""
    with command() as cmd:
        try:
            found = cmd.read(
                prove_inclusion, position, size=size, verifier=_verifier(None, cmd.keys)
            )
        except InvalidInput as exc:
            raise typer.BadParameter(exc.message) from None
    proof = {
        "position": found.position,
        "size": found.head.size,
        "leaf_hash": found.leaf_hash.hex(),
        "root": found.head.root.hex(),
        "root_from": found.head.source,
        "proof": [p.hex() for p in found.proof],
        "verified": found.verified,
    }
    typer.echo(json.dumps(proof, indent=2))


@audit_app.command("consistency")
def audit_consistency(old: int, new: int) -> None:
    """Print a consistency proof between tree sizes OLD and NEW, as JSON."""
    with command() as cmd:
        try:
            found = cmd.read(prove_consistency, old, new, verifier=_verifier(None, cmd.keys))
        except InvalidInput as exc:
            raise typer.BadParameter(exc.message) from None
    proof = {
        "old": found.old,
        "new": found.new,
        "old_root": found.old_root.hex(),
        "new_root": found.new_root.hex(),
        "proof": [p.hex() for p in found.proof],
        "verified": found.verified,
    }
    typer.echo(json.dumps(proof, indent=2))


@audit_app.command("export")
def audit_export(out: Path) -> None:
    """Write the whole log (ciphertext only) and its checkpoints to OUT, for offline audit."""
    with command() as cmd:
        _catch_up(cmd)
        with out.open("w") as handle:
            count = cmd.db.run(lambda s: audit_log.export_log(s, handle), write=False)
        cmd.write(note_export, entries=count)
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
    with command() as cmd:
        result = rotate(
            cmd.db,
            keys=cmd.keys,
            keyring=cmd.keyring,
            clock=cmd.clock,
            actor=cmd.actor,
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
    with command() as cmd:
        if key_id == cmd.keys.current_key_id():
            typer.echo("Refusing to retire the current master key.", err=True)
            raise typer.Exit(2)
        try:
            cmd.write(retire_master_key, key_id)
        except KeyInUse as exc:
            typer.echo(
                f"{exc.in_use} data keys still use {key_id}: run `hotline keys rotate` first.",
                err=True,
            )
            raise typer.Exit(1) from None
        if not cmd.keys.remove_version(key_id):
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
    with command() as cmd:
        if cmd.db.run(lambda s: case_by_reference(s, ref), write=False) is None:
            typer.echo(f"There is no case {ref}.", err=True)
            raise typer.Exit(1)
        if not yes:
            _confirm_erasure(ref)
        try:
            result = cmd.write(erase_by_reference, ref, actor=cmd.actor, reason=reason)
        except NotFound:
            raise typer.BadParameter(f"no case {ref}") from None
        typer.echo(f"Case {ref} {'was already erased' if result.already_erased else 'is erased'}.")


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
