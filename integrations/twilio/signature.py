"""Checking X-Twilio-Signature with the library's own RequestValidator."""

from __future__ import annotations

from typing import Any

from twilio.request_validator import RequestValidator, get_signature_algorithm


def signature_is_valid(
    *,
    auth_token: str | None,
    url: str,
    params: Any,
    signature: str | None,
    settings_header: str | None = None,
) -> bool:
    """True only for a request signed with our auth token over exactly this URL and params.

    ``url`` must be the public URL Twilio called (the configured base URL, path and query),
    never one rebuilt from the Host header, which a caller controls.
    """
    if not auth_token or not signature:
        return False
    try:
        algorithm = get_signature_algorithm(settings_header)
        return bool(RequestValidator(auth_token).validate(url, params, signature, algorithm))
    except (ValueError, TypeError):
        return False
