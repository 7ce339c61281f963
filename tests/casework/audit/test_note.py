"""Signed notes and checkpoints interoperate with the C2SP format (Go's sumdb/note)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from casework.audit.note import (
    Checkpoint,
    NoteError,
    Verifier,
    open_checkpoint,
    open_note,
    sign_note,
    verifier_key,
)

# A published example of the format (the signed-note documentation of several implementations).
EXAMPLE_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
EXAMPLE_NOTE = (
    "This is an example message.\n\n"
    "\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mF"
    "XmRKuwHjG1Yu72IneyaQM=\n"
)


class KeySigner:
    def __init__(self, name: str) -> None:
        self._key = Ed25519PrivateKey.generate()
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def public_key(self) -> bytes:
        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def test_a_note_signed_elsewhere_verifies_here() -> None:
    assert open_note(EXAMPLE_NOTE, Verifier.parse(EXAMPLE_VKEY)) == "This is an example message.\n"


def test_the_published_note_altered_by_one_character_does_not_verify() -> None:
    with pytest.raises(NoteError):
        open_note(
            EXAMPLE_NOTE.replace("example message", "example massage"), Verifier.parse(EXAMPLE_VKEY)
        )


def test_sign_then_open_round_trip_and_key_format() -> None:
    signer = KeySigner("hotline.example.org/audit")
    vkey = verifier_key(signer.name, signer.public_key())
    checkpoint = Checkpoint(
        "hotline.example.org/audit", 42, b"\x07" * 32, dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)
    )

    note = sign_note(checkpoint.text(), signer)

    assert vkey.startswith("hotline.example.org/audit+")
    assert note.splitlines()[1:4] == [
        "42",
        "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
        "time 2026-11-26T12:00:00Z",
    ]
    assert open_checkpoint(note, Verifier.parse(vkey)) == checkpoint


@pytest.mark.parametrize(
    "tamper",
    [
        lambda n: n.replace("\n42\n", "\n43\n"),
        lambda n: n.replace("hotline.example.org/audit\n", "other.example.org/audit\n", 1),
        lambda n: n.replace("time 2026", "time 2025"),
        lambda n: n[: n.rindex(" ") + 1] + "A" + n[n.rindex(" ") + 2 :],
    ],
    ids=["size", "origin", "time", "signature"],
)
def test_any_change_to_a_checkpoint_is_refused(tamper) -> None:  # type: ignore[no-untyped-def]
    signer = KeySigner("hotline.example.org/audit")
    note = sign_note(
        Checkpoint(
            signer.name, 42, b"\x07" * 32, dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)
        ).text(),
        signer,
    )

    with pytest.raises(NoteError):
        open_checkpoint(
            tamper(note), Verifier.parse(verifier_key(signer.name, signer.public_key()))
        )


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    ours, theirs = KeySigner("hotline.example.org/audit"), KeySigner("hotline.example.org/audit")
    note = sign_note(Checkpoint(ours.name, 1, b"\x01" * 32, None).text(), theirs)

    with pytest.raises(NoteError, match="no signature"):
        open_checkpoint(note, Verifier.parse(verifier_key(ours.name, ours.public_key())))


@pytest.mark.parametrize(
    "vkey", ["", "name+00000000+AAAA", "x+zz+abc", EXAMPLE_VKEY.replace("530d903a", "530d903b")]
)
def test_malformed_verifier_keys_are_refused(vkey: str) -> None:
    with pytest.raises(NoteError):
        Verifier.parse(vkey)
