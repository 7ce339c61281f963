"""Phone numbers, always normalised to E.164 before they are used or stored."""

from __future__ import annotations

import phonenumbers

from casework.errors import InvalidInput


def normalise_phone(text: str, *, default_region: str | None, field: str = "phone") -> str:
    """Return ``text`` as an E.164 number, or raise InvalidInput with a plain message."""
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput(
            field,
            "This does not look like a phone number. Start with + and your country's number, "
            "like +44 7700 900123.",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
