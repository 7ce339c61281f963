"""``hotline sms simulate``: be a child's phone against the local service (development)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from xml.etree import ElementTree

import httpx
import typer
from twilio.request_validator import RequestValidator

from hotline.settings import Settings, SettingsError, load_settings, read_serve_record

sms_app = typer.Typer(help="The SMS channel.", no_args_is_help=True, pretty_exceptions_enable=False)


@dataclass(frozen=True)
class Service:
    """Where the running service is: ``url`` signs (its public URL), ``local`` is called."""

    url: str
    local: str


def _service(settings: Settings, url: str | None) -> Service:
    """--url, else what a development `hotline serve` wrote down, else the settings."""
    if url:
        return Service(url.rstrip("/"), url.rstrip("/"))
    record = read_serve_record(settings)
    if record is not None:
        return Service(record["url"], record["local"])
    return Service(settings.public_base_url, settings.public_base_url)


def _send(service: Service, token: str, phone: str, to: str, text: str) -> list[str]:
    params = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": "AC" + "d" * 32,
        "From": phone,
        "To": to,
        "Body": text,
        "NumMedia": "0",
    }
    # Signed over the public URL, as Twilio signs it; sent to where the service listens.
    signature = RequestValidator(token).compute_signature(f"{service.url}/twilio/sms", params)
    response = httpx.post(
        f"{service.local}/twilio/sms",
        data=params,
        headers={"X-Twilio-Signature": signature},
        timeout=10,
    )
    response.raise_for_status()
    # Our own local server's TwiML, not untrusted XML.
    return [m.text or "" for m in ElementTree.fromstring(response.text).iter("Message")]  # noqa: S314


def _replies_later(service: Service, number: str, before: int, wait: float = 5.0) -> list[str]:
    """The texts the worker sends ``number`` after the first ``before``, once they stop."""
    deadline = time.monotonic() + wait
    seen, quiet_since = before, time.monotonic()
    while time.monotonic() < deadline:
        count = len(_inbox(service, number))
        if count != seen:
            seen, quiet_since = count, time.monotonic()
        elif count > before and time.monotonic() - quiet_since > 0.4:
            break
        time.sleep(0.05)
    return [m["body"] for m in _inbox(service, number)[before:]]


def _inbox(service: Service, number: str) -> list[dict[str, str]]:
    response = httpx.get(f"{service.local}/dev/phone/{number}", timeout=5)
    response.raise_for_status()
    messages: list[dict[str, str]] = response.json()["messages"]
    return messages


def _unreachable(service: Service, exc: httpx.HTTPError) -> typer.Exit:
    """One line for the operator instead of a traceback."""
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        hint = (
            " (is it the same service? a 403 means the signature did not match its URL: try --url)"
            if status == 403
            else ""
        )
        typer.echo(f"The hotline at {service.local} answered {status}{hint}.", err=True)
    else:
        typer.echo(
            f"No hotline answers at {service.local}: start it with `hotline serve`.", err=True
        )
    return typer.Exit(1)


@sms_app.command("simulate")
def simulate(
    message: str = typer.Argument(None, help="Text to send; leave out to chat interactively."),
    phone: str = typer.Option(
        "+447400123456",
        "--from",
        help="The child's number (its country sets the language).",
    ),
    url: str | None = typer.Option(
        None,
        "--url",
        help="The running service, e.g. http://127.0.0.1:9000 (default: the one "
        "`hotline serve` wrote in the data dir, else HOTLINE_PUBLIC_BASE_URL).",
    ),
) -> None:
    """Send texts as a phone to the running local service and print what comes back."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    twilio = settings.twilio
    if twilio is None or not twilio.simulated:
        typer.echo("The simulator only works in development without a Twilio account.", err=True)
        raise typer.Exit(2)
    service = _service(settings, url)
    # The child's phone, and the on-call staff's phones that danger alerts go to.
    phones = {phone: "hotline (text)", **dict.fromkeys(settings.on_call, "on-call phone got")}

    def exchange(text: str) -> None:
        replies = _send(service, twilio.auth_token, phone, twilio.sender, text)
        if not replies:  # a text that could wait: its replies come through the outbox
            replies = _replies_later(service, phone, seen[phone])
            seen[phone] += len(replies)
        for reply in replies:
            typer.echo(f"  hotline> {reply}")
        time.sleep(1.0)  # texts from caseworkers and alerts arrive through the outbox
        for number, label in phones.items():
            later = _inbox(service, number)
            for item in later[seen[number] :]:
                typer.echo(f"  {label}> {item['body']}")
            seen[number] = len(later)

    try:
        seen = {number: len(_inbox(service, number)) for number in phones}
        if message:
            exchange(message)
            return
        typer.echo(f"You are {phone}. Type a text and press Enter (empty line to quit).")
        while text := input("you> ").strip():
            exchange(text)
    except httpx.HTTPError as exc:
        raise _unreachable(service, exc) from None
    except (ElementTree.ParseError, ValueError, KeyError):
        typer.echo(f"What answers at {service.local} is not the hotline.", err=True)
        raise typer.Exit(1) from None
    except EOFError:  # Ctrl-D ends the chat like an empty line
        return
