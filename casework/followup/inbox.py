"""The follow-up inbox: what staff write to a reporter who comes back with their code.

A web or app reporter is never contacted: a reply waits here until they check on their
report with their reference and code, and only then is it shown (sealed under the case key
like every message).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.enums import Channel
from casework.followup.models import FollowUpCredential
from casework.ids import new_id
from casework.intake.models import Report
from casework.messages.models import CaseMessage, Direction
from casework.protection.fields import open_text, seal_text
from casework.protection.keys import Keyring

INBOX_CHANNELS = (Channel.WEB, Channel.APP)


def inbox_channel(session: Session, case: Case) -> Channel | None:
    """The channel of the case's latest web or app report that has a follow-up code."""
    channel: Channel | None = session.scalar(
        select(Report.channel)
        .join(FollowUpCredential, FollowUpCredential.report_id == Report.id)
        .where(Report.case_id == case.id, Report.channel.in_(INBOX_CHANNELS))
        .order_by(Report.received_at.desc())
        .limit(1)
    )
    return channel


def post_to_inbox(
    session: Session, *, keyring: Keyring, case: Case, body: str, now: dt.datetime
) -> uuid.UUID | None:
    """Leave a message for the reporter to read when they check back; None when they cannot."""
    channel = inbox_channel(session, case)
    if channel is None:
        return None
    message_id = new_id()
    session.add(
        CaseMessage(
            id=message_id,
            case_id=case.id,
            direction=Direction.OUTBOUND,
            channel=channel,
            body_ct=seal_text(
                keyring.case_key(session, case.id),
                table="case_message",
                column="body",
                row_id=message_id,
                text=body,
            ),
            created_at=now,
        )
    )
    session.flush()
    return message_id


@dataclass(frozen=True)
class InboxMessage:
    """A message from the hotline, as the reporter sees it."""

    sent_at: dt.datetime
    body: str

    def __repr__(self) -> str:
        return f"InboxMessage({self.sent_at.isoformat()})"


def read_inbox(session: Session, *, keyring: Keyring, case_id: uuid.UUID) -> list[InboxMessage]:
    """The hotline's messages to a reporter who proved their code, oldest first."""
    rows = list(
        session.scalars(
            select(CaseMessage)
            .where(
                CaseMessage.case_id == case_id,
                CaseMessage.direction == Direction.OUTBOUND,
                CaseMessage.channel.in_(INBOX_CHANNELS),
            )
            .order_by(CaseMessage.created_at, CaseMessage.id)
        )
    )
    if not rows:
        return []
    key = keyring.case_key(session, case_id)
    return [
        InboxMessage(
            m.created_at,
            open_text(key, table="case_message", column="body", row_id=m.id, ciphertext=m.body_ct),
        )
        for m in rows
    ]
