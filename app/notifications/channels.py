"""Outside channels: e-mail over SMTP, SMS through a provider. WeChat later is one more provider class."""
import email.policy
import functools
import logging
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from flask import current_app

logger = logging.getLogger(__name__)


class TransientError(Exception):
    """Worth trying again later (server down, timeout, 4xx)."""


class PermanentError(Exception):
    """Trying again will not help (bad address, 5xx, refused recipient)."""


def email_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def send_email(*, to: str, subject: str, text: str, html: str, message_id: str, locale: str,
               mailer: "Mailer | None" = None) -> None:
    """Send one message; over `mailer`'s open connection when given (one per sender job), else a new one."""
    sender = current_app.config["SMTP_FROM"]
    language = "zh-CN" if locale == "zh_CN" else "en"
    if to.isascii() and sender.isascii():
        # The same announcement to many people differs only in To, Message-ID and Date: the MIME body and
        # the other headers are built once per text and language (building them is most of an e-mail's CPU).
        own = (f"To: {to}\r\nMessage-ID: {message_id}\r\nDate: {formatdate(localtime=False)}\r\n").encode()
        payload = (sender, [to], own + _prepared(sender, subject, text, html, language))
    else:
        payload = _message(sender, subject, text, html, language)
        payload["To"], payload["Message-ID"], payload["Date"] = to, message_id, formatdate(localtime=False)
    if mailer is None:
        with Mailer() as one:
            one.send(payload)
    else:
        mailer.send(payload)


def _message(sender: str, subject: str, text: str, html: str, language: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr(("互助 Huzhu", sender))
    message["Subject"] = subject
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = language  # after set_content, which drops Content-* headers
    return message


@functools.lru_cache(maxsize=32)
def _prepared(sender: str, subject: str, text: str, html: str, language: str) -> bytes:
    """Every header but To, Message-ID and Date, and the body, as sent (CRLF line ends)."""
    return _message(sender, subject, text, html, language).as_bytes(policy=email.policy.SMTP)


class Mailer:
    """One SMTP connection for many messages, opened at the first and closed at the end (or after an error).

    A sender job sends its whole chunk over it: the connect, greeting, EHLO, STARTTLS, login and QUIT are paid
    once per chunk instead of once per message. After any failure the connection is dropped and the next
    message opens a fresh one, so one refused recipient or a timeout never poisons the rest."""

    def __init__(self):
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        cfg = current_app.config
        smtp = smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg.get("SMTP_TIMEOUT", 10))
        try:
            if cfg.get("SMTP_STARTTLS"):
                smtp.starttls()
            if cfg.get("SMTP_USER"):
                smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"] or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage | tuple[str, list[str], bytes]) -> None:
        """A message, or (envelope sender, recipients, the message's bytes) already built."""
        try:
            if self.smtp is None:
                self.smtp = self._connect()
            if isinstance(message, EmailMessage):
                self.smtp.send_message(message)
            else:
                self.smtp.sendmail(*message)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close(polite=False)
            raise PermanentError(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            self.close(polite=False)
            if 400 <= exc.smtp_code < 500:
                raise TransientError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
            raise PermanentError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self.close(polite=False)
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc

    def close(self, polite: bool = True) -> None:
        """QUIT at the end; after an error just drop the socket (a server that timed out would time out again)."""
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            if polite:
                smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            smtp.close()


class SmsProvider:
    """Send one short text to one mobile number; raise TransientError or PermanentError."""

    name = "base"

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class LogSmsProvider(SmsProvider):
    """Development provider: writes the message to the log instead of a carrier."""

    name = "log"

    def send(self, phone: str, text: str) -> None:
        if not phone or not phone.isdigit():
            raise PermanentError("not a mobile number")
        logger.info("SMS to %s: %s", phone, text)


SMS_PROVIDERS: dict[str, type[SmsProvider]] = {"log": LogSmsProvider}


def sms_provider() -> SmsProvider:
    return SMS_PROVIDERS[current_app.config.get("SMS_PROVIDER") or "log"]()
