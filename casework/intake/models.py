"""Report, inbound inbox and intake inbox tables."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, UTCDateTime, str_enum
from casework.enums import (
    Channel,
    ContactMethod,
    Danger,
    InboxStatus,
    PerpetratorRole,
    ReporterRole,
)
from casework.ids import new_id

if TYPE_CHECKING:
    from casework.cases.models import Case

# The longest narrative we accept, in characters (documented in the API). Long enough for a
# child to tell the whole story; short enough that one request stays small.
NARRATIVE_MAX_CHARS = 5000
PLACE_MAX_CHARS = 200
# Age of the child the report is about.
CHILD_AGE_MIN = 1
CHILD_AGE_MAX = 25


class Report(Base):
    """One contact from a reporter, on one channel, grouped into a case."""

    __tablename__ = "report"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "report_channel"))
    language: Mapped[str] = mapped_column(String(8))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    # The child's words, sealed under the case key (casework.protection.fields).
    narrative_ct: Mapped[bytes] = mapped_column(LargeBinary)
    immediate_danger: Mapped[Danger] = mapped_column(str_enum(Danger, "report_danger"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    place_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    child_age: Mapped[int | None] = mapped_column(SmallInteger)
    reporter_role: Mapped[ReporterRole] = mapped_column(
        str_enum(ReporterRole, "report_reporter_role")
    )
    contact_method: Mapped[ContactMethod] = mapped_column(
        str_enum(ContactMethod, "report_contact_method")
    )
    # E.164, sealed; only present when the reporter agreed to be texted. ``phone_index`` is
    # its keyed blind index, so reports from one phone can be found without decrypting.
    phone_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_index: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # What the reporter told us about the alleged perpetrator and the harm (if asked).
    perpetrator_role: Mapped[PerpetratorRole] = mapped_column(
        str_enum(PerpetratorRole, "report_perpetrator_role"), default=PerpetratorRole.UNKNOWN
    )
    ongoing: Mapped[Danger] = mapped_column(
        str_enum(Danger, "report_ongoing"), default=Danger.UNKNOWN
    )
    injury: Mapped[Danger] = mapped_column(
        str_enum(Danger, "report_injury"), default=Danger.UNKNOWN
    )

    case: Mapped[Case] = relationship(back_populates="reports", lazy="raise")

    def __repr__(self) -> str:
        # Never the narrative or the phone: reprs end up in logs and tracebacks.
        return f"Report({self.id}, {self.channel.value})"


class InboundMessage(Base):
    """A raw event from a channel provider, stored before any processing.

    The unique ``(channel, provider_message_id)`` makes a provider's retry a no-op: the second
    insert does nothing and the stored row is answered again.
    """

    __tablename__ = "inbound_message"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "inbound_message_channel"))
    provider_message_id: Mapped[str] = mapped_column(String(64))
    # The raw event as the provider sent it: sealed under the inbox key on arrival, then under
    # its case's key once it joined one (so erasing the case shreds it too).
    payload_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    # What we answered, sealed the same way: a retry of the same event gets the same answer.
    response_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    status: Mapped[InboxStatus] = mapped_column(str_enum(InboxStatus, "inbound_message_status"))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    report_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("report.id"))

    __table_args__ = (UniqueConstraint("channel", "provider_message_id"),)

    def __repr__(self) -> str:
        return f"InboundMessage({self.channel.value}, {self.provider_message_id!r})"


class IntakeItem(Base):
    """A report as a channel received it, before (and after) its case was built: the inbox row.

    One INSERT is the whole request: the unique ``(scope, key_hash)`` is the idempotency claim
    (a resend finds it and is given the same receipt), the unique ``reference`` reserves the
    reference the receipt hands out, and ``payload_ct`` is the durable copy of the submission.
    The builder (``casework.intake.builder``) turns it into a case with this row's id as the
    report's id and ``received_at`` as the time the clocks start, hashes the code into the
    follow-up credential and clears the payload and the code, in one transaction.

    Neither an Idempotency-Key nor the code is kept readable: ``key_hash`` is a keyed hash of
    the key (a keyless web post gets a random one), a derived code is re-derived on replay from
    the key and ``code_salt``, and ``code_ct`` (sealed under a purpose key, for a follow-up
    before the case exists) is cleared when the case is built.
    """

    __tablename__ = "intake_item"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    code_salt: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "intake_item_channel"))
    # Decided in the request (the danger answer, danger or self-harm words): built first.
    urgent: Mapped[bool] = mapped_column(Boolean)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The submission as JSON sealed under the purpose key "intake", and the code under
    # "intake-code"; both NULL once the case is built.
    payload_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    code_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    built_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A row that keeps failing to build is retried a few times, then left for an operator
    # (the backlog alarm names it); it is never dropped.
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("scope", "key_hash"),)

    def __repr__(self) -> str:
        return f"IntakeItem({self.reference}, built={self.case_id is not None})"


# Texts stored but not handled yet (the sms.inbox job's queue), oldest first.
Index(
    "ix_inbound_message_waiting",
    InboundMessage.received_at,
    postgresql_where=InboundMessage.status == InboxStatus.RECEIVED,
    sqlite_where=InboundMessage.status == InboxStatus.RECEIVED,
)

# The builder's queue and the backlog figures: only unbuilt rows, urgent first, then oldest.
Index(
    "ix_intake_item_unbuilt",
    IntakeItem.urgent.desc(),
    IntakeItem.received_at,
    postgresql_where=IntakeItem.case_id.is_(None),
    sqlite_where=IntakeItem.case_id.is_(None),
)
