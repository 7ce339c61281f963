"""The local key file: versioned AES-256 master keys and the Ed25519 audit signing key.

Design
- One JSON file, mode 0600, checked on every load: a key file others can read is refused.
- Master keys are versioned (``local-1``, ``local-2`` ...). ``wrap`` uses the current version,
  ``unwrap`` any version still in the file, so rotation never makes old data unreadable; old
  versions can be removed once no data key uses them.
- Wrapping is AES-256-GCM with a random 96-bit nonce; the associated data is the key id and
  the caller's context, so a wrapped key moved to another row or relabelled fails to unwrap.
- Processes notice a rotation made by another process: the file is re-read when its
  modification time changes.
- Development creates the file on first use; production never does (``create=False``).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import secrets
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from casework.ports import KeyUnavailable, WrappedKey

FORMAT = "hotline-keyfile/1"
_WRAP_LABEL = b"hotline/wrap/v1\x00"
_NONCE = 12


class KeyFileError(Exception):
    """The key file is missing, unsafe or malformed (the message says which)."""


class UnknownKey(KeyUnavailable):
    """A wrapped key names a master key version this file does not hold."""


class WrongContext(KeyUnavailable):
    """A wrapped key fails authentication: it was moved, relabelled or altered."""


def _stamp(info: os.stat_result) -> tuple[int, int, int]:
    # A rotation replaces the file: a new inode, even within one mtime tick.
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class _Contents:
    master: dict[str, bytes] = field(repr=False)
    current: str
    signing_seed: bytes = field(repr=False)
    stamp: tuple[int, int, int]


class LocalKeyFile:
    """A ``KeyProvider`` backed by a local file, plus the audit ``Signer``."""

    def __init__(self, path: Path, *, create: bool, signer_name: str) -> None:
        self.path = path
        self._signer_name = signer_name
        self._lock = threading.Lock()
        if not path.exists():
            if not create:
                raise KeyFileError(f"key file {path} does not exist (set HOTLINE_KEY_FILE)")
            self._create()
        self._contents = self._load()
        self._signing = Ed25519PrivateKey.from_private_bytes(self._contents.signing_seed)

    def __repr__(self) -> str:
        return f"LocalKeyFile({str(self.path)!r})"

    # ----------------------------------------------------------------- file handling
    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "format": FORMAT,
            "current": "local-1",
            "master_keys": {"local-1": _b64(secrets.token_bytes(32))},
            "signing_key": {"ed25519_seed": _b64(secrets.token_bytes(32))},
        }
        with contextlib.suppress(FileExistsError):  # another process created it first
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump(data, f, indent=2)

    def _load(self) -> _Contents:
        info = os.stat(self.path)
        if stat.S_IMODE(info.st_mode) & 0o077:
            raise KeyFileError(
                f"key file {self.path} is readable or writable by others: run chmod 600 on it"
            )
        try:
            data: dict[str, Any] = json.loads(self.path.read_text())
            if data.get("format") != FORMAT:
                raise KeyFileError(f"key file {self.path} is not in format {FORMAT}")
            master = {k: base64.b64decode(v) for k, v in data["master_keys"].items()}
            current = str(data["current"])
            seed = base64.b64decode(data["signing_key"]["ed25519_seed"])
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise KeyFileError(f"key file {self.path} is malformed") from exc
        if current not in master or any(len(k) != 32 for k in master.values()) or len(seed) != 32:
            raise KeyFileError(f"key file {self.path} is malformed")
        return _Contents(master, current, seed, _stamp(info))

    def _fresh(self) -> _Contents:
        """The contents, re-read if another process changed the file (a rotation)."""
        try:
            stamp = _stamp(os.stat(self.path))
        except FileNotFoundError as exc:
            raise KeyFileError(f"key file {self.path} disappeared") from exc
        if stamp != self._contents.stamp:
            with self._lock:
                if stamp != self._contents.stamp:
                    self._contents = self._load()
        return self._contents

    @contextlib.contextmanager
    def _locked_edit(self) -> Iterator[dict[str, Any]]:
        """Read, change and atomically replace the file, one editor at a time."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as lock:
            # A separate lock file: the key file itself is replaced, so two editors locking
            # it would each hold a lock on a different inode and one change would be lost.
            fcntl.flock(lock, fcntl.LOCK_EX)
            data: dict[str, Any] = json.loads(self.path.read_text())
            yield data
            tmp = self.path.with_suffix(".tmp")
            out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(out, "w") as f:
                json.dump(data, f, indent=2)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        self._contents = self._load()

    def add_version(self) -> str:
        """Add a new master key version and make it current; returns its id."""
        with self._locked_edit() as data:
            numbers = [int(k.rsplit("-", 1)[1]) for k in data["master_keys"]]
            key_id = f"local-{max(numbers) + 1}"
            data["master_keys"][key_id] = _b64(secrets.token_bytes(32))
            data["current"] = key_id
        return key_id

    def remove_version(self, key_id: str) -> bool:
        """Delete an old master key version; False if the file does not hold it."""
        with self._locked_edit() as data:
            if key_id == data["current"]:
                raise KeyFileError("the current master key cannot be removed")
            if key_id not in data["master_keys"]:
                return False
            del data["master_keys"][key_id]
        return True

    # ----------------------------------------------------------------- KeyProvider
    def current_key_id(self) -> str:
        """The master key version new data keys are wrapped with."""
        return self._fresh().current

    def wrap(self, data_key: bytes, *, context: bytes) -> WrappedKey:
        """Encrypt a data key under the current master key."""
        contents = self._fresh()
        key_id = contents.current
        nonce = secrets.token_bytes(_NONCE)
        sealed = AESGCM(contents.master[key_id]).encrypt(
            nonce, data_key, _WRAP_LABEL + key_id.encode() + b"\x00" + context
        )
        return WrappedKey(key_id=key_id, ciphertext=nonce + sealed)

    def unwrap(self, wrapped: WrappedKey, *, context: bytes) -> bytes:
        """Decrypt a data key wrapped by any version still in the file."""
        contents = self._fresh()
        master = contents.master.get(wrapped.key_id)
        if master is None:
            raise UnknownKey(f"master key {wrapped.key_id} is not in {self.path}")
        nonce, sealed = wrapped.ciphertext[:_NONCE], wrapped.ciphertext[_NONCE:]
        try:
            return AESGCM(master).decrypt(
                nonce, sealed, _WRAP_LABEL + wrapped.key_id.encode() + b"\x00" + context
            )
        except InvalidTag as exc:
            raise WrongContext("a wrapped key does not belong where it was found") from exc

    # ----------------------------------------------------------------- Signer
    @property
    def name(self) -> str:
        """The audit log's key name."""
        return self._signer_name

    def public_key(self) -> bytes:
        """The raw Ed25519 public key."""
        return self._signing.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, message: bytes) -> bytes:
        """An Ed25519 signature."""
        return self._signing.sign(message)
