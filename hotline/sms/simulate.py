"""``hotline sms simulate``: be a child's phone against the local service (development)."""

from __future__ import annotations

import secrets
import time
from xml.etree import ElementTree

import httpx
import typer
from twilio.request_validator import RequestValidator

from hotline.settings import load_settings

sms_app = typer.Typer(help="The SMS channel.", no_args_is_help=True, pretty_exceptions_enable=False)


def _send(base: str, token: str, phone: str, to: str, text: str) -> list[str]:
    params = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": "AC" + "d" * 32,
        "From": phone,
        "To": to,
        "Body": text,
        "NumMedia": "0",
    }
    url = f"{base}/twilio/sms"
    signature = RequestValidator(token).compute_signature(url, params)
    response = httpx.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)
    response.raise_for_status()
    # Our own local server's TwiML, not untrusted XML.
    return [m.text or "" for m in ElementTree.fromstring(response.text).iter("Message")]  # noqa: S314


def _inbox(base: str, number: str) -> list[dict[str, str]]:
    messages: list[dict[str, str]] = httpx.get(f"{base}/dev/phone/{number}", timeout=5).json()[
        "messages"
    ]
    return messages


@sms_app.command("simulate")
def simulate(
    message: str = typer.Argument(None, help="Text to send; leave out to chat interactively."),
    phone: str = typer.Option(
        "+447400123456",
        "--from",
        help="The child's number (its country sets the language).",
    ),
) -> None:
    """Send texts as a phone to the running local service and print what comes back."""
    settings = load_settings()
    twilio = settings.twilio
    if twilio is None or not twilio.simulated:
        typer.echo("The simulator only works in development without a Twilio account.", err=True)
        raise typer.Exit(2)
    base = settings.public_base_url
    # The child's phone, and the on-call staff's phones that danger alerts go to.
    phones = {phone: "hotline (text)", **dict.fromkeys(settings.on_call, "on-call phone got")}
    seen = {number: len(_inbox(base, number)) for number in phones}

    def exchange(text: str) -> None:
        for reply in _send(base, twilio.auth_token, phone, twilio.sender, text):
            typer.echo(f"  hotline> {reply}")
        time.sleep(1.0)  # texts from caseworkers and alerts arrive through the outbox
        for number, label in phones.items():
            later = _inbox(base, number)
            for item in later[seen[number] :]:
                typer.echo(f"  {label}> {item['body']}")
            seen[number] = len(later)

    if message:
        exchange(message)
        return
    typer.echo(f"You are {phone}. Type a text and press Enter (empty line to quit).")
    while text := input("you> ").strip():
        exchange(text)
