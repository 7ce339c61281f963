"""Sealing single fields with AES-256-GCM, bound to where they are stored.

Ciphertext format (version 1)::

    0x01 | key_ref (16 bytes, the data key row) | nonce (12 bytes, random) | ciphertext+tag

Associated data binds the ciphertext to its table, column, row id, case and key:
``b"hotline/field/v1" 0 table 0 column 0 row_id case_id key_ref``. A ciphertext copied to
another row, column or case, or presented with another key, fails authentication.
"""

from __future__ import annotations

import secrets
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casework.errors import KeyUnavailable
from casework.protection.keys import SealingKey

VERSION = 1
_HEADER = 1 + 16 + 12


class TamperedField(KeyUnavailable):
    """A sealed value does not authenticate where it was found (moved, altered or foreign)."""


def _aad(key: SealingKey, table: str, column: str, row_id: uuid.UUID) -> bytes:
    return b"\x00".join(
        [
            b"hotline/field/v1",
            table.encode(),
            column.encode(),
            row_id.bytes + key.case_id.bytes + key.key_ref.bytes,
        ]
    )


def seal(key: SealingKey, *, table: str, column: str, row_id: uuid.UUID, plaintext: bytes) -> bytes:
    """Encrypt one value for one place."""
    nonce = secrets.token_bytes(12)
    body = AESGCM(key.secret).encrypt(nonce, plaintext, _aad(key, table, column, row_id))
    return bytes([VERSION]) + key.key_ref.bytes + nonce + body


def open_sealed(
    key: SealingKey, *, table: str, column: str, row_id: uuid.UUID, ciphertext: bytes
) -> bytes:
    """Decrypt one value; raises TamperedField unless it was sealed for exactly this place."""
    if len(ciphertext) < _HEADER + 16 or ciphertext[0] != VERSION:
        raise TamperedField("not a sealed value")
    if uuid.UUID(bytes=ciphertext[1:17]) != key.key_ref:
        raise TamperedField("sealed under another key")
    nonce, body = ciphertext[17:_HEADER], ciphertext[_HEADER:]
    try:
        return AESGCM(key.secret).decrypt(nonce, body, _aad(key, table, column, row_id))
    except InvalidTag as exc:
        raise TamperedField("sealed value does not belong here") from exc


def seal_text(key: SealingKey, *, table: str, column: str, row_id: uuid.UUID, text: str) -> bytes:
    """Encrypt a text value."""
    return seal(key, table=table, column=column, row_id=row_id, plaintext=text.encode())


def open_text(
    key: SealingKey, *, table: str, column: str, row_id: uuid.UUID, ciphertext: bytes
) -> str:
    """Decrypt a text value."""
    return open_sealed(
        key, table=table, column=column, row_id=row_id, ciphertext=ciphertext
    ).decode()


def key_ref_of(ciphertext: bytes) -> uuid.UUID:
    """Which data key sealed this value (readable without any key)."""
    return uuid.UUID(bytes=ciphertext[1:17])
