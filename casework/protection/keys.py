"""Envelope encryption: data keys wrapped by the key provider, and keys derived from them.

Key hierarchy
- Master keys live in the key provider (``casework.ports.KeyProvider``) and never leave it.
- Each case has its own random 256-bit data key (DEK), stored wrapped in ``data_key``; the
  wrap is bound to the row (id, purpose, case). The key that seals a case's fields is
  HKDF-SHA256(DEK, info="hotline/fields/v1"), so a DEK is never used directly.
- One root secret per installation, wrapped the same way. Purpose keys are derived from it
  with HKDF: blind indexes (one per purpose), audit payloads of events that belong to no
  case, raw inbound payloads. Rotating master keys re-wraps DEKs and the root, never data.
- Unwrapped keys are cached in memory keyed by the wrapped bytes, so a re-wrapped or
  destroyed key is looked up again; erasure is checked on every use (the row is read).
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from casework.errors import DataErased, KeyUnavailable
from casework.ids import new_id
from casework.ports import KeyProvider, WrappedKey
from casework.protection.models import ROOT_KEY_ID, DataKey
from casework.sql import insert_ignoring_conflict

NIL = uuid.UUID(int=0)
_CACHE_SIZE = 10_000


def derive(key: bytes, purpose: str) -> bytes:
    """A 256-bit key for one purpose, derived from ``key`` with HKDF-SHA256."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(key)


def wrap_context(row_id: uuid.UUID, purpose: str, case_id: uuid.UUID | None) -> bytes:
    """What a wrapped data key is bound to: its row, purpose and case."""
    return b"data_key\x00" + row_id.bytes + purpose.encode() + b"\x00" + (case_id or NIL).bytes


@dataclass(frozen=True)
class SealingKey:
    """A key that seals fields, with the identity bound into every ciphertext it makes."""

    key_ref: uuid.UUID  # the data key row (or a fixed id for root-derived keys)
    case_id: uuid.UUID  # NIL for keys that belong to no case
    secret: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"SealingKey({self.key_ref}, case={self.case_id}, ***)"


class Keyring:
    """Creates, unwraps, caches and destroys data keys through a key provider."""

    def __init__(self, provider: KeyProvider) -> None:
        self.provider = provider
        self._cache: OrderedDict[tuple[uuid.UUID, str, bytes], bytes] = OrderedDict()
        self._lock = threading.Lock()
        # The root secret never changes (rotation only re-wraps it), so once unwrapped it and
        # the keys derived from it are kept for the life of the process.
        self._purpose_keys: dict[str, SealingKey] = {}

    def __repr__(self) -> str:
        return f"Keyring({self.provider!r})"

    # ------------------------------------------------------------------ unwrap + cache
    def _unwrap(self, row: DataKey) -> bytes:
        if row.wrapped is None:
            raise DataErased("this data was erased")
        cache_key = (row.id, row.key_id, row.wrapped)
        with self._lock:
            cached = self._cache.get(cache_key)
            if cached is not None:
                self._cache.move_to_end(cache_key)
                return cached
        secret = self.provider.unwrap(
            WrappedKey(row.key_id, row.wrapped),
            context=wrap_context(row.id, row.purpose, row.case_id),
        )
        with self._lock:
            self._cache[cache_key] = secret
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return secret

    def _new_row(
        self, *, row_id: uuid.UUID, purpose: str, case_id: uuid.UUID | None, now: dt.datetime
    ) -> tuple[dict[str, object], bytes]:
        secret = secrets.token_bytes(32)
        wrapped = self.provider.wrap(secret, context=wrap_context(row_id, purpose, case_id))
        values: dict[str, object] = {
            "id": row_id,
            "purpose": purpose,
            "case_id": case_id,
            "key_id": wrapped.key_id,
            "wrapped": wrapped.ciphertext,
            "created_at": now,
        }
        return values, secret

    # ------------------------------------------------------------------ root and purposes
    def ensure_root(self, session: Session, *, now: dt.datetime) -> None:
        """Create the installation's root secret if it does not exist yet."""
        values, _ = self._new_row(row_id=ROOT_KEY_ID, purpose="root", case_id=None, now=now)
        insert_ignoring_conflict(session, DataKey, values, ["id"])

    def _root(self, session: Session) -> bytes:
        row = session.get(DataKey, ROOT_KEY_ID)
        if row is None:  # first use on a new installation
            self.ensure_root(session, now=dt.datetime.now(dt.UTC))
            row = session.get(DataKey, ROOT_KEY_ID)
        if row is None:
            raise KeyUnavailable("the root key could not be created")
        return self._unwrap(row)

    def purpose_key(self, session: Session, purpose: str) -> SealingKey:
        """A key derived from the root secret for one purpose (blind index, system audit...)."""
        key = self._purpose_keys.get(purpose)
        if key is None:
            key = SealingKey(
                key_ref=ROOT_KEY_ID,
                case_id=NIL,
                secret=derive(self._root(session), f"hotline/{purpose}/v1"),
            )
            self._purpose_keys[purpose] = key
        return key

    # ------------------------------------------------------------------ case keys
    def new_case_key(self, session: Session, *, case_id: uuid.UUID, now: dt.datetime) -> SealingKey:
        """Create, wrap and store the data key of a new case; returns its field key."""
        row_id = new_id()
        values, secret = self._new_row(row_id=row_id, purpose="case", case_id=case_id, now=now)
        session.add(DataKey(**values))
        key = SealingKey(row_id, case_id, derive(secret, "hotline/fields/v1"))
        _session_keys(session)[case_id] = key
        return key

    def case_key(self, session: Session, case_id: uuid.UUID) -> SealingKey:
        """The field key of a case; raises DataErased once the case was crypto-shredded."""
        known = _session_keys(session).get(case_id)
        if known is not None:
            return known
        row = session.scalars(select(DataKey).where(DataKey.case_id == case_id)).one_or_none()
        if row is None:
            raise KeyUnavailable("this case has no data key")
        key = SealingKey(row.id, case_id, derive(self._unwrap(row), "hotline/fields/v1"))
        _session_keys(session)[case_id] = key
        return key

    def case_key_if_readable(self, session: Session, case_id: uuid.UUID) -> SealingKey | None:
        """The case's field key, or None once the case was erased."""
        try:
            return self.case_key(session, case_id)
        except DataErased:
            return None

    def destroy_case_key(self, session: Session, case_id: uuid.UUID, *, now: dt.datetime) -> bool:
        """Crypto-shred a case: forget its wrapped data key. True if it was still there."""
        row = session.scalars(
            select(DataKey).where(DataKey.case_id == case_id).with_for_update()
        ).one_or_none()
        if row is None or row.wrapped is None:
            return False
        row.wrapped = None
        row.destroyed_at = now
        _session_keys(session).pop(case_id, None)
        with self._lock:  # drop every cached copy of this key
            for key in [k for k in self._cache if k[0] == row.id]:
                del self._cache[key]
        session.flush()
        return True


def _session_keys(session: Session) -> dict[uuid.UUID, SealingKey]:
    """Case keys already read in this transaction: one data-key query per case per request.

    Kept on the session (one transaction), so a key destroyed by another transaction is never
    used past the end of the current one.
    """
    keys: dict[uuid.UUID, SealingKey] = session.info.setdefault(_SESSION_KEYS, {})
    return keys


_SESSION_KEYS = "hotline.case_keys"


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_session_keys(session: Session) -> None:
    session.info.pop(_SESSION_KEYS, None)
