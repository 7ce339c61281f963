"""C2SP signed notes and tlog checkpoints (https://c2sp.org/signed-note, /tlog-checkpoint).

A checkpoint is the text ``<origin>\\n<size>\\n<base64 root>\\n`` plus extension lines (we add
``time <RFC 3339 UTC>``), followed by a blank line and one signature line per signer:
``— <key name> <base64(key id (4 bytes) || Ed25519 signature)>``. The key id is the first four
bytes of SHA-256(name || 0x0A || 0x01 || public key). A verifier key is shared as
``<name>+<hex key id>+<base64(0x01 || public key)>``. Compatible with Go's sumdb/note.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from casework.ports import Signer

_ED25519 = b"\x01"
_DASH = "\u2014 "


class NoteError(Exception):
    """A note or verifier key is malformed, or its signature does not verify."""


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key id of an Ed25519 key under a name."""
    return hashlib.sha256(name.encode() + b"\n" + _ED25519 + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    """The text form of a verifier key, to publish and give to auditors."""
    encoded = base64.b64encode(_ED25519 + public_key).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


@dataclass(frozen=True)
class Verifier:
    """A parsed verifier key."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def parse(cls, text: str) -> Verifier:
        """Parse ``name+hexid+base64key``; refuses keys whose id does not match."""
        try:
            name, hex_id, encoded = text.strip().split("+", 2)  # base64 may hold "+"
            raw = base64.b64decode(encoded, validate=True)
            kid = bytes.fromhex(hex_id)
        except (ValueError, binascii.Error) as exc:
            raise NoteError("malformed verifier key") from exc
        if not name or raw[:1] != _ED25519 or len(raw) != 33 or len(kid) != 4:
            raise NoteError("malformed verifier key")
        if key_id(name, raw[1:]) != kid:
            raise NoteError("verifier key id does not match its key")
        return cls(name, kid, raw[1:])


def sign_note(text: str, signer: Signer) -> str:
    """Sign note text (which must end with a newline and hold no blank line)."""
    if not text.endswith("\n") or "\n\n" in text:
        raise NoteError("note text must end with one newline and have no blank lines")
    signature = signer.sign(text.encode())
    blob = base64.b64encode(key_id(signer.name, signer.public_key()) + signature).decode()
    return f"{text}\n{_DASH}{signer.name} {blob}\n"


def open_note(note: str, verifier: Verifier) -> str:
    """The text of a note if ``verifier`` signed it; raises NoteError otherwise."""
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("not a signed note")
    text, signatures = note[: cut + 1], note[cut + 2 :].splitlines()
    for line in signatures:
        if not line.startswith(_DASH):
            raise NoteError("malformed signature line")
        name, _, blob = line[len(_DASH) :].partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except binascii.Error as exc:
            raise NoteError("malformed signature line") from exc
        if name != verifier.name or raw[:4] != verifier.key_id:
            continue  # someone else's signature: ignored, as the spec says
        try:
            Ed25519PublicKey.from_public_bytes(verifier.public_key).verify(raw[4:], text.encode())
        except InvalidSignature as exc:
            raise NoteError("signature does not verify") from exc
        return text
    raise NoteError(f"no signature by {verifier.name}")


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: log ``origin`` had ``size`` entries with this ``root`` at ``time``."""

    origin: str
    size: int
    root: bytes
    time: dt.datetime | None

    def text(self) -> str:
        """The checkpoint body (what is signed)."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        if self.time is not None:
            lines.append("time " + self.time.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body (already verified by ``open_note``)."""
        lines = text.splitlines()
        try:
            origin, size, encoded = lines[0], int(lines[1]), lines[2]
            root = base64.b64decode(encoded, validate=True)
        except (IndexError, ValueError, binascii.Error) as exc:
            raise NoteError("malformed checkpoint") from exc
        if not origin or size < 0 or len(root) != 32:
            raise NoteError("malformed checkpoint")
        when = None
        for extra in lines[3:]:
            if extra.startswith("time "):
                try:
                    when = dt.datetime.strptime(extra[5:], "%Y-%m-%dT%H:%M:%SZ").replace(
                        tzinfo=dt.UTC
                    )
                except ValueError as exc:
                    raise NoteError("malformed checkpoint time") from exc
        return cls(origin, size, root, when)


def open_checkpoint(note: str, verifier: Verifier) -> Checkpoint:
    """Verify a signed checkpoint and parse it; its origin must be the verifier's name."""
    checkpoint = Checkpoint.parse(open_note(note, verifier))
    if checkpoint.origin != verifier.name:
        raise NoteError("checkpoint is for another log")
    return checkpoint
