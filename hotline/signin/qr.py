"""QR codes as inline SVG, made here (a TOTP secret never goes to a third-party service)."""

from __future__ import annotations

import io

import segno


def qr_svg(text: str) -> str:
    """An SVG image of ``text`` as a QR code."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(
        buffer, kind="svg", scale=4, xmldecl=False, title="Scan with your authenticator app"
    )
    return buffer.getvalue().decode()
