"""The local key file: created safely, refused when unsafe, rotated without losing keys."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from casework.ports import KeyUnavailable
from integrations.keys.local import KeyFileError, LocalKeyFile


def _new(path: Path, *, create: bool = True) -> LocalKeyFile:
    return LocalKeyFile(path, create=create, signer_name="hotline.test/audit")


def test_created_on_first_use_with_mode_0600(tmp_path: Path) -> None:
    keys = _new(tmp_path / "keys.json")

    assert stat.S_IMODE(os.stat(keys.path).st_mode) == 0o600
    assert keys.current_key_id() == "local-1"
    assert len(keys.public_key()) == 32


def test_never_created_when_creation_is_not_allowed(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="does not exist"):
        _new(tmp_path / "keys.json", create=False)
    assert not (tmp_path / "keys.json").exists()


@pytest.mark.parametrize("mode", [0o640, 0o644, 0o604, 0o666])
def test_a_key_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    path = _new(tmp_path / "keys.json").path
    os.chmod(path, mode)

    with pytest.raises(KeyFileError, match="chmod 600"):
        _new(path, create=False)


@pytest.mark.parametrize("content", ["", "{}", "[]", '{"format": "other"}', "not json"])
def test_a_malformed_key_file_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "keys.json"
    path.write_text(content)
    os.chmod(path, 0o600)

    with pytest.raises(KeyFileError):
        _new(path, create=False)


def test_wrap_and_unwrap_are_bound_to_their_context(tmp_path: Path) -> None:
    keys = _new(tmp_path / "keys.json")
    wrapped = keys.wrap(b"k" * 32, context=b"row-1")

    assert keys.unwrap(wrapped, context=b"row-1") == b"k" * 32
    with pytest.raises(KeyUnavailable):
        keys.unwrap(wrapped, context=b"row-2")


def test_rotation_adds_a_version_other_processes_see_and_old_wraps_still_open(
    tmp_path: Path,
) -> None:
    first = _new(tmp_path / "keys.json")
    other_process = _new(first.path, create=False)
    old = first.wrap(b"d" * 32, context=b"c")

    new_id = first.add_version()

    assert new_id == "local-2"
    assert other_process.current_key_id() == "local-2"  # noticed without restarting
    assert other_process.wrap(b"d" * 32, context=b"c").key_id == "local-2"
    assert other_process.unwrap(old, context=b"c") == b"d" * 32
    assert stat.S_IMODE(os.stat(first.path).st_mode) == 0o600


def test_a_key_version_the_file_does_not_hold_is_unavailable(tmp_path: Path) -> None:
    a, b = _new(tmp_path / "a.json"), _new(tmp_path / "b.json")
    b.add_version()

    with pytest.raises(KeyUnavailable):
        a.unwrap(b.wrap(b"x" * 32, context=b"c"), context=b"c")


def test_nothing_secret_in_reprs(tmp_path: Path) -> None:
    keys = _new(tmp_path / "keys.json")
    wrapped = keys.wrap(b"s" * 32, context=b"c")

    assert wrapped.ciphertext.hex() not in repr(wrapped)
    assert "seed" not in repr(keys)
