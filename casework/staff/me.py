"""One's own account, as the signed-in member of staff: who they are and a new password
(its hash made by the caller, outside the transaction, after the current one was checked)."""

from __future__ import annotations

from casework.context import Acting
from casework.staff.accounts import set_password
from casework.staff.models import StaffUser


def my_account(acting: Acting) -> StaffUser:
    """The account of the person acting."""
    return acting.session.get_one(StaffUser, acting.principal.user_id)


def change_my_password(acting: Acting, *, password_hash: str) -> None:
    """A new password for the person acting: every session of the account ends."""
    set_password(
        acting.session,
        keyring=acting.keyring,
        user=my_account(acting),
        password_hash=password_hash,
        actor=acting.principal.actor,
        now=acting.now,
    )
