"""Staff passwords: argon2id hashes and a policy that refuses guessable ones.

Policy (NIST SP 800-63B, OWASP ASVS 2.1): at least 12 characters, at most 128, any characters;
refused when it is a known common password (the 30,000 most common, from zxcvbn's lists), when
zxcvbn rates it easy to guess, or when it contains the username. No composition rules and no
forced periodic change.

Hashing: argon2id with parameters from the settings (the defaults of argon2-cffi, RFC 9106's
second recommended option: t=3, m=64 MiB, p=4; tests use cheap ones). Parameters live in each
hash, so old hashes still verify after a change and are upgraded at the next sign-in.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
MAX_LENGTH = 128
_COMMON = frozenset(word.casefold() for word in FREQUENCY_LISTS["passwords"])


class PasswordProblem(enum.StrEnum):
    """Why a new password is refused."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    COMMON = "common"
    GUESSABLE = "guessable"
    CONTAINS_USERNAME = "contains_username"


def password_problem(password: str, *, username: str) -> PasswordProblem | None:
    """Why ``password`` may not be used (None when it may)."""
    if len(password) < MIN_LENGTH:
        return PasswordProblem.TOO_SHORT
    if len(password) > MAX_LENGTH:
        return PasswordProblem.TOO_LONG
    folded = password.casefold()
    if folded in _COMMON or folded.rstrip("0123456789!.?") in _COMMON:
        return PasswordProblem.COMMON
    if username and username.casefold() in folded:
        return PasswordProblem.CONTAINS_USERNAME
    if zxcvbn(password[:64], user_inputs=[username])["score"] < 3:
        return PasswordProblem.GUESSABLE
    return None


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    # Verified against when the account does not exist, so that costs the same time. Made
    # once per set of costs for the whole process, never on a request's path twice.
    hasher = _hasher(time_cost, memory_kib, parallelism)
    return hasher.hash("no such account, but take as long as if there were")


@dataclass(frozen=True)
class PasswordHashing:
    """argon2id with given costs; verifies any earlier parameters too."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4

    @property
    def _params(self) -> tuple[int, int, int]:
        return (self.time_cost, self.memory_kib, self.parallelism)

    def hash(self, password: str) -> str:
        """A new argon2id hash."""
        return _hasher(*self._params).hash(password)

    def prepare(self) -> None:
        """Make the dummy hash now (at start-up), not during someone's sign-in."""
        _dummy_hash(*self._params)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; a full verification runs even for no account."""
        try:
            matched = _hasher(*self._params).verify(
                password_hash or _dummy_hash(*self._params), password
            )
        except (VerificationError, InvalidHashError):
            return False
        return matched and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether a hash was made with other parameters than the current ones."""
        return _hasher(*self._params).check_needs_rehash(password_hash)
