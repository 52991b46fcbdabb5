"""Turning a rendered digest into a MIME message and delivering it (SMTP or an outbox folder).

Both mailers expose `send(message, rendered)`, raising `TemporaryMailError` (worth retrying:
SMTP 4xx, refused/dropped connections, timeouts) or `PermanentMailError` (5xx, bad config).
`send` returns only once the message is accepted, so a caller may record "sent" right after.
"""
from __future__ import annotations

import email.policy
import os
import smtplib
import socket
import ssl
import tempfile
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses
from pathlib import Path
from typing import Protocol

from netpipeline.digest.render import RenderedDigest, header_safe

SECURITIES = ("starttls", "ssl", "none")
# Python folds a header that does not fit in 78 columns by moving the whole value to a
# continuation line, which some readers then show with a leading space. Our headers are short
# single-line values, so headers are generated with RFC 5322's hard limit (998) instead of the
# soft 78. Bodies are encoded earlier under _BODY_POLICY: Python passes max_line_length to the
# quoted-printable encoder, and RFC 2045 allows at most 76 columns there (the default gives 78).
_BODY_POLICY = email.policy.default.clone(max_line_length=76)
_HEADER_POLICY = email.policy.default.clone(max_line_length=998)


class MailError(Exception):
    temporary = False


class TemporaryMailError(MailError):
    temporary = True


class PermanentMailError(MailError):
    temporary = False


class Mailer(Protocol):
    def send(self, message: EmailMessage, rendered: RenderedDigest) -> None: ...
    def close(self) -> None: ...


def parse_mail_from(mail_from: str) -> Address:
    """'Name <addr>' or 'addr' -> Address; rejects anything that is not exactly one address."""
    pairs = getaddresses([header_safe(mail_from)])
    if len(pairs) != 1 or "@" not in pairs[0][1]:
        raise ValueError(f"NETPIPELINE_MAIL_FROM is not a single e-mail address: {mail_from!r}")
    name, addr = pairs[0]
    return Address(display_name=name, addr_spec=addr)


def build_message(rendered: RenderedDigest, mail_from: str) -> EmailMessage:
    """multipart/alternative (text first, HTML preferred) with Date, Message-ID, From, To, Subject.

    The default policy folds and encodes headers and refuses CR/LF inside header values, a second
    line of defence behind render.header_safe.
    """
    msg = EmailMessage(policy=_BODY_POLICY)
    msg["From"] = parse_mail_from(mail_from)
    msg["To"] = rendered.to
    msg["Subject"] = header_safe(rendered.subject)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = rendered.message_id
    # Tell auto-responders and list software that this is an automated bulk message.
    msg["Auto-Submitted"] = "auto-generated"
    msg["Precedence"] = "bulk"
    for name, value in rendered.extra_headers.items():
        msg[name] = header_safe(value)
    # quoted-printable keeps the message 7-bit clean for any relay, whatever the trial text.
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    msg.policy = _HEADER_POLICY  # used by as_bytes() and smtplib.send_message() when serialising
    return msg


def classify_smtp_error(exc: BaseException) -> MailError:
    """Map smtplib/socket errors to temporary (retry) or permanent (record and move on)."""
    if isinstance(exc, MailError):
        return exc
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{rcpt}: {code} {_text(m)}" for rcpt, (code, m) in exc.recipients.items())
        cls = PermanentMailError if codes and all(c >= 500 for c in codes) else TemporaryMailError
        return cls(f"recipient refused: {detail}")
    if isinstance(exc, smtplib.SMTPResponseException):  # sender refused, data error, auth, 421 ...
        cls = PermanentMailError if exc.smtp_code >= 500 else TemporaryMailError
        return cls(f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return PermanentMailError(f"SMTP server does not support a required feature: {exc}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return PermanentMailError(f"TLS certificate of the SMTP server rejected: {exc}")
    if isinstance(exc, (smtplib.SMTPServerDisconnected, ConnectionError, socket.timeout, TimeoutError, OSError)):
        return TemporaryMailError(f"connection problem: {type(exc).__name__}: {exc}")
    return PermanentMailError(f"{type(exc).__name__}: {exc}")


def _text(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


class SmtpMailer:
    """One SMTP connection for a whole batch, opened on first use and re-opened after a drop."""

    def __init__(self, host: str, port: int = 587, user: str = "", password: str = "",
                 security: str = "starttls", timeout: float = 30.0,
                 ssl_context: ssl.SSLContext | None = None):
        if security not in SECURITIES:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITIES)}, got {security!r}")
        self.host, self.port, self.user, self.password = host, int(port), user, password
        self.security, self.timeout = security, timeout
        self.ssl_context = ssl_context
        self._smtp: smtplib.SMTP | None = None
        self.connections_opened = 0  # observable in tests and logs: one per batch unless drops

    def _connect(self) -> smtplib.SMTP:
        context = self.ssl_context or ssl.create_default_context()
        if self.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.security == "starttls":
                # Never fall back to plain text when STARTTLS was asked for: the password would leak.
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password)
        except BaseException:
            smtp.close()
            raise
        self.connections_opened += 1
        return smtp

    def send(self, message: EmailMessage, rendered: RenderedDigest) -> None:
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            refused = self._smtp.send_message(message, to_addrs=[rendered.email])
        except smtplib.SMTPRecipientsRefused as exc:
            # The connection is still fine (smtplib already sent RSET); keep it for the next one.
            raise classify_smtp_error(exc) from exc
        except Exception as exc:
            # Unknown connection state after any other error: start clean next time.
            self.close()
            raise classify_smtp_error(exc) from exc
        if refused:  # only possible with several recipients; we send one at a time
            raise classify_smtp_error(smtplib.SMTPRecipientsRefused(refused))

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except Exception:
            smtp.close()  # the server is gone already; just free the socket

    def __enter__(self) -> "SmtpMailer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class OutboxMailer:
    """Writes `<outbox>/<day>/<subscriber-id>.eml` and an `.html` preview, each atomically.

    The preview is written first and the .eml last, so an .eml on disk means a complete delivery.
    """

    def __init__(self, outbox_dir: str | Path):
        self.outbox_dir = Path(outbox_dir)

    def paths(self, rendered: RenderedDigest) -> tuple[Path, Path]:
        folder = self.outbox_dir / rendered.day.isoformat()
        return folder / f"{rendered.subscriber_id}.eml", folder / f"{rendered.subscriber_id}.html"

    def send(self, message: EmailMessage, rendered: RenderedDigest) -> None:
        eml, html = self.paths(rendered)
        try:
            eml.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(html, rendered.html.encode("utf-8"))
            _atomic_write(eml, message.as_bytes())
        except OSError as exc:
            raise TemporaryMailError(f"cannot write outbox file: {exc}") from exc

    def close(self) -> None:
        pass

    def __enter__(self) -> "OutboxMailer":
        return self

    def __exit__(self, *exc) -> None:
        pass


def _atomic_write(path: Path, data: bytes) -> None:
    """tmp file in the same folder + fsync + rename: readers see the old file or the new one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
