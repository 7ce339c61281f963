"""TwiML answers to the Messaging webhook."""

from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse


def messages(texts: list[str]) -> str:
    """A TwiML document sending each text back (an empty Response sends nothing)."""
    response = MessagingResponse()
    for text in texts:
        response.message(text)
    return str(response)
