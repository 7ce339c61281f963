"""Receiving a report: check it, keep it in one inbox row, and hand the child a receipt.

This is all a channel's request does (issue 16): everything that can be checked without
the case is checked here (so a receipt is never followed by a refusal), the submission is
sealed under the purpose key "intake", and **one** statement writes the row whose unique keys
are the idempotency claim and the reservation of the reference. The case is built from it
later by ``casework.intake.builder`` - or at once, in the same transaction, for a report that
says someone is in danger (``casework.intake.channels``).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable, bindparam, exists, not_, select
from sqlalchemy.orm import Session

from casework.actors import REPORTER
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.cases.reference import new_reference
from casework.enums import Channel, ContactMethod, Danger, PerpetratorRole, ReporterRole
from casework.errors import DomainError, IdempotencyKeyReused
from casework.followup import codes
from casework.ids import new_id
from casework.intake.directory import CodeDirectory
from casework.intake.models import IntakeItem
from casework.intake.schemas import ReportSubmission
from casework.intake.service import check_text, key_hash, resolve_phone
from casework.protection.fields import open_sealed, seal
from casework.protection.keys import Keyring
from casework.sql import dialect_insert
from casework.triage.words import mentions_danger, mentions_self_harm

_REFERENCE_ATTEMPTS = 5
# Purpose keys of what an intake item seals until its case is built.
_PAYLOAD_PURPOSE = "intake"
_CODE_PURPOSE = "intake-code"


@dataclass(frozen=True)
class IntakeReceipt:
    """What the reporter is told at once: the reference and code to come back with."""

    item_id: uuid.UUID  # the report's id once built
    reference: str
    follow_up_code: str
    urgent: bool
    replayed: bool = False

    def __repr__(self) -> str:
        return f"IntakeReceipt({self.reference}, replayed={self.replayed})"


def is_urgent(submission: ReportSubmission) -> bool:
    """Does the report say someone is in danger now, or that the child may harm themselves?"""
    return (
        submission.immediate_danger is Danger.YES
        or mentions_danger(submission.narrative)
        or mentions_self_harm(submission.narrative)
    )


def check_submission(
    session: Session,
    submission: ReportSubmission,
    *,
    directory: CodeDirectory,
    default_phone_region: str | None,
) -> None:
    """Everything the builder would refuse, checked now: raise InvalidInput on the first."""
    check_text(submission)
    resolve_phone(submission, default_phone_region)
    directory.check(
        session, category=submission.category, region=submission.region, school=submission.school
    )


@dataclass(frozen=True)
class ReportToReceive:
    """One report of a group received together (``receive_reports``)."""

    submission: ReportSubmission
    idempotency_key: str | None
    scope: str
    received_at: dt.datetime


@dataclass(frozen=True)
class _Prepared:
    """A checked report, sealed and ready for its one INSERT."""

    values: dict[str, Any]
    code: str
    idempotency_key: str | None


def receive_report(
    session: Session,
    *,
    keyring: Keyring,
    now: dt.datetime,
    submission: ReportSubmission,
    directory: CodeDirectory,
    idempotency_key: str | None,
    scope: str,
    default_phone_region: str | None,
) -> tuple[IntakeReceipt, bool]:
    """Check and keep a report; returns its receipt and whether this call took it in.

    The same key and content give the same receipt (replayed, never a second report); the
    same key with different content raises IdempotencyKeyReused.
    """
    prepared = _prepare(
        session,
        keyring=keyring,
        report=ReportToReceive(submission, idempotency_key, scope, now),
        directory=directory,
        default_phone_region=default_phone_region,
    )
    return _settle(session, keyring, prepared, inserted=_insert(session, prepared.values))


def receive_reports(
    session: Session,
    *,
    keyring: Keyring,
    reports: Sequence[ReportToReceive],
    directory: CodeDirectory,
    default_phone_region: str | None,
) -> list[tuple[IntakeReceipt, bool] | DomainError]:
    """``receive_report`` for several reports in one transaction, their rows written by one
    executemany: each one's receipt (and whether this call took it in), or why it was
    refused (having written nothing)."""
    prepared: list[_Prepared | DomainError] = []
    for report in reports:
        try:
            prepared.append(
                _prepare(
                    session,
                    keyring=keyring,
                    report=report,
                    directory=directory,
                    default_phone_region=default_phone_region,
                )
            )
        except DomainError as refused:
            prepared.append(refused)
    inserted = _insert_many(session, [p.values for p in prepared if isinstance(p, _Prepared)])
    results: list[tuple[IntakeReceipt, bool] | DomainError] = []
    for one in prepared:
        if isinstance(one, DomainError):
            results.append(one)
            continue
        try:
            results.append(_settle(session, keyring, one, inserted=one.values["id"] in inserted))
        except DomainError as refused:
            results.append(refused)
    return results


def _prepare(
    session: Session,
    *,
    keyring: Keyring,
    report: ReportToReceive,
    directory: CodeDirectory,
    default_phone_region: str | None,
) -> _Prepared:
    """Check a report (InvalidInput on the first problem) and seal it into its row's values,
    with a freshly drawn reference."""
    submission, idempotency_key = report.submission, report.idempotency_key
    check_submission(
        session, submission, directory=directory, default_phone_region=default_phone_region
    )
    request_hash = submission.fingerprint(keyring.purpose_key(session, "idempotency").secret)
    if idempotency_key is None:
        code, salt = codes.new_code(), None
        hashed_key = secrets.token_hex(32)  # a claim nobody can repeat
    else:
        salt = codes.new_salt()
        code = codes.derive_code(idempotency_key, salt)
        hashed_key = key_hash(
            keyring.purpose_key(session, "idempotency-key").secret, idempotency_key
        )
    item_id = new_id()
    values: dict[str, Any] = {
        "id": item_id,
        "scope": report.scope,
        "key_hash": hashed_key,
        "reference": new_reference(),
        "request_hash": request_hash,
        "code_salt": salt,
        "channel": submission.channel,
        "urgent": is_urgent(submission),
        "received_at": report.received_at,
        "payload_ct": seal_payload(keyring, session, item_id, submission),
        "code_ct": seal(
            keyring.purpose_key(session, _CODE_PURPOSE),
            table="intake_item",
            column="code_ct",
            row_id=item_id,
            plaintext=code.encode(),
        ),
        "case_id": None,
        "built_at": None,
        "attempts": 0,
        "last_error": None,
    }
    return _Prepared(values, code, idempotency_key)


def _settle(
    session: Session, keyring: Keyring, prepared: _Prepared, *, inserted: bool
) -> tuple[IntakeReceipt, bool]:
    """The receipt of a report whose first INSERT went in (``inserted``) or did nothing: then
    either its key was claimed before (the first receipt, replayed) or its reference was
    taken (another is drawn: 35 bits, almost never)."""
    values = prepared.values
    for _ in range(_REFERENCE_ATTEMPTS):
        if inserted:
            receipt = IntakeReceipt(
                values["id"], values["reference"], prepared.code, values["urgent"]
            )
            return receipt, True
        if prepared.idempotency_key is not None:
            earlier = session.scalars(
                select(IntakeItem).where(
                    IntakeItem.scope == values["scope"], IntakeItem.key_hash == values["key_hash"]
                )
            ).first()
            if earlier is not None:
                return _replay(
                    session,
                    keyring,
                    earlier,
                    prepared.idempotency_key,
                    values["request_hash"],
                    values["received_at"],
                ), False
        values = {**values, "reference": new_reference()}
        inserted = _insert(session, values)
    raise RuntimeError("could not find a free case reference")


_COLUMNS = (
    "id",
    "scope",
    "key_hash",
    "reference",
    "request_hash",
    "code_salt",
    "channel",
    "urgent",
    "received_at",
    "payload_ct",
    "code_ct",
    "case_id",
    "built_at",
    "attempts",
    "last_error",
)
_INSERTS: dict[tuple[str, bool], Executable] = {}


def _insert_statement(session: Session, *, returning: bool = True) -> Executable:
    """INSERT ... SELECT ... WHERE no case has the reference ON CONFLICT DO NOTHING RETURNING
    id, built once per dialect with bound parameters (building it per request was most of
    the request's CPU)."""
    key = (session.get_bind().dialect.name, returning)
    stmt = _INSERTS.get(key)
    if stmt is None:
        table = IntakeItem.__table__
        row = select(*(bindparam(c, type_=table.c[c].type) for c in _COLUMNS)).where(
            not_(exists().where(Case.reference == bindparam("ref", type_=Case.reference.type)))
        )
        insert = dialect_insert(session, table).from_select(list(_COLUMNS), row)
        insert = insert.on_conflict_do_nothing()
        stmt = _INSERTS[key] = insert.returning(table.c.id) if returning else insert
    return stmt


def _insert(session: Session, values: dict[str, Any]) -> bool:
    """One statement that claims the key and reserves the reference, or does nothing."""
    params = {**values, "ref": values["reference"]}
    return session.execute(_insert_statement(session), params).first() is not None


def _insert_many(session: Session, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """``_insert`` for several rows: one executemany (sent in one go by the driver), then
    one SELECT for which went in; the ids of those."""
    if len(rows) < 2:
        return {rows[0]["id"]} if rows and _insert(session, rows[0]) else set()
    session.execute(
        _insert_statement(session, returning=False), [{**r, "ref": r["reference"]} for r in rows]
    )
    ids = [r["id"] for r in rows]
    return set(session.scalars(select(IntakeItem.id).where(IntakeItem.id.in_(ids))))


def _replay(
    session: Session,
    keyring: Keyring,
    item: IntakeItem,
    idempotency_key: str,
    request_hash: str,
    now: dt.datetime,
) -> IntakeReceipt:
    """The receipt first given under this key (handing it out again is audited)."""
    if item.request_hash != request_hash:
        raise IdempotencyKeyReused("this Idempotency-Key was already used for a different report")
    if item.code_salt is None:  # a keyed claim always derives its code
        raise RuntimeError("idempotency claim without its salt")
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.REPORT_RECEIPT_REPLAYED,
        actor=REPORTER,
        object_type="report",
        object_id=str(item.id),
        case_key=keyring.case_key_if_readable(session, item.case_id) if item.case_id else None,
        details={"case_reference": item.reference},
        now=now,
    )
    return IntakeReceipt(
        item.id,
        item.reference,
        codes.derive_code(idempotency_key, item.code_salt),
        item.urgent,
        replayed=True,
    )


def seal_payload(
    keyring: Keyring, session: Session, item_id: uuid.UUID, submission: ReportSubmission
) -> bytes:
    """The submission as JSON, sealed for this row only."""
    plain = json.dumps(submission.plain(), ensure_ascii=False, default=str).encode()
    return seal(
        keyring.purpose_key(session, _PAYLOAD_PURPOSE),
        table="intake_item",
        column="payload_ct",
        row_id=item_id,
        plaintext=plain,
    )


def open_payload(keyring: Keyring, session: Session, item: IntakeItem) -> ReportSubmission:
    """The submission kept in ``item``."""
    if item.payload_ct is None:
        raise ValueError("this intake item holds no submission")
    plain = open_sealed(
        keyring.purpose_key(session, _PAYLOAD_PURPOSE),
        table="intake_item",
        column="payload_ct",
        row_id=item.id,
        ciphertext=item.payload_ct,
    )
    raw = json.loads(plain)
    return ReportSubmission(
        **{
            **raw,
            "channel": Channel(raw["channel"]),
            "immediate_danger": Danger(raw["immediate_danger"]),
            "reporter_role": ReporterRole(raw["reporter_role"]),
            "contact_method": ContactMethod(raw["contact_method"]),
            "perpetrator_role": PerpetratorRole(raw["perpetrator_role"]),
            "ongoing": Danger(raw["ongoing"]),
            "injury": Danger(raw["injury"]),
        }
    )


def open_code(keyring: Keyring, session: Session, item_id: uuid.UUID, code_ct: bytes) -> str:
    """The follow-up code sealed in the intake row ``item_id`` (only until its case is built)."""
    return open_sealed(
        keyring.purpose_key(session, _CODE_PURPOSE),
        table="intake_item",
        column="code_ct",
        row_id=item_id,
        ciphertext=code_ct,
    ).decode()
