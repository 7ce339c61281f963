"""Plain-text e-mail over SMTP (smtplib), STARTTLS and login when configured."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from casework.ports import SendOutcome, SendResult


class SmtpMailer:
    """One connection per message: partners' e-mails are few."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 15.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls = username, password, starttls
        self.timeout = timeout

    def send(self, *, to: str, subject: str, text: str, message_id: str) -> SendResult:
        """Hand it to the server; a refused recipient is REJECTED, anything passing RETRY."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Message-ID"] = f"<{message_id}@hotline>"
        message.set_content(text)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username and self.password:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            return SendResult(SendOutcome.REJECTED, error="smtp_recipient_refused")
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            return SendResult(SendOutcome.RETRY, error=f"smtp:{type(exc).__name__}"[:60])
        return SendResult(SendOutcome.SENT)
