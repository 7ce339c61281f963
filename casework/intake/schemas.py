"""What intake takes in and gives back, independent of the channel it came from."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, fields

from casework.enums import Channel, ContactMethod, Danger, PerpetratorRole, Priority, ReporterRole


@dataclass(frozen=True)
class ReportSubmission:
    """A report as a channel hands it over, already shaped but not yet checked against data."""

    channel: Channel
    language: str
    category: str
    narrative: str
    immediate_danger: Danger = Danger.UNKNOWN
    school: str | None = None
    place: str | None = None
    region: str | None = None
    child_age: int | None = None
    reporter_role: ReporterRole = ReporterRole.UNKNOWN
    contact_method: ContactMethod = ContactMethod.FOLLOW_UP_ONLY
    contact_phone: str | None = None
    # Asked by the app and the web form; SMS leaves them to the caseworker.
    perpetrator_role: PerpetratorRole = PerpetratorRole.UNKNOWN
    ongoing: Danger = Danger.UNKNOWN
    injury: Danger = Danger.UNKNOWN
    perpetrator_name: str | None = None

    def __repr__(self) -> str:
        # The narrative, place and phone are a child's words and contact details.
        return f"ReportSubmission({self.channel.value}, {self.category!r})"

    def plain(self) -> dict[str, object]:
        """The fields as a flat dict (every field is a scalar: no deep copy needed)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def fingerprint(self, key: bytes) -> str:
        """Keyed hash (HMAC-SHA256) of the content, to tell a resend from a different report.

        Keyed so that a copy of the database cannot be used to confirm a guessed narrative
        or phone number against it.
        """
        content = self.plain()
        for name, default in _ADDED_LATER.items():  # receipts of earlier versions still replay
            if content[name] == default:
                del content[name]
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
        return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


# Fields added after the first release, left out of the fingerprint while at their default.
_ADDED_LATER: dict[str, object] = {
    "perpetrator_role": PerpetratorRole.UNKNOWN,
    "ongoing": Danger.UNKNOWN,
    "injury": Danger.UNKNOWN,
    "perpetrator_name": None,
}


@dataclass(frozen=True)
class PreparedFollowUp:
    """A follow-up code and its hash, made before the transaction (hashing is slow on purpose)."""

    code: str
    code_hash: str
    salt: bytes | None

    def __repr__(self) -> str:
        return "PreparedFollowUp(***)"


@dataclass(frozen=True)
class ReportReceipt:
    """What the reporter is told: where their report went and how to come back."""

    case_id: uuid.UUID
    report_id: uuid.UUID
    reference: str
    follow_up_code: str
    priority: Priority
    replayed: bool = False
    on_call_alerted: bool = False  # nobody could take it: the on-call person was texted

    def __repr__(self) -> str:
        return f"ReportReceipt({self.reference}, replayed={self.replayed})"
