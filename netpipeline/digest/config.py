"""How digests are addressed and delivered: the one set of mail settings.

The Dagster resource (`orchestration/resources.py: DigestMailResource`) and the console command
(`netpipeline-digest`) both build a `DigestConfig`; the resource is built from `ENV` below, so
each field has one environment variable and one default (`settings.DEFAULTS`).
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from netpipeline.settings import setting

# field -> environment variable (documented in the README's configuration table)
ENV = {
    "subscriptions_file": "NETPIPELINE_SUBSCRIPTIONS",
    "outbox_dir": "NETPIPELINE_OUTBOX",
    "mail_from": "NETPIPELINE_MAIL_FROM",
    "smtp_host": "NETPIPELINE_SMTP_HOST",
    "smtp_port": "NETPIPELINE_SMTP_PORT",
    "smtp_user": "NETPIPELINE_SMTP_USER",
    "smtp_password": "NETPIPELINE_SMTP_PASSWORD",
    "smtp_security": "NETPIPELINE_SMTP_SECURITY",
    "unsubscribe_mailto": "NETPIPELINE_UNSUBSCRIBE_MAILTO",
    "unsubscribe_url": "NETPIPELINE_UNSUBSCRIBE_URL",
    "secret_key": "NETPIPELINE_SECRET_KEY",
}
INT_FIELDS = ("smtp_port",)


@dataclass(frozen=True)
class DigestConfig:
    subscriptions_file: str
    outbox_dir: str
    mail_from: str
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_security: str = "starttls"
    unsubscribe_mailto: str = ""
    unsubscribe_url: str = ""
    secret_key: str = ""

    def unsubscribe(self):
        """The subscribers' unsubscribe links (a clear error when a URL is set without a key)."""
        from netpipeline.digest.unsubscribe import Unsubscribe

        return Unsubscribe(self.mail_from, self.unsubscribe_mailto.strip(), self.unsubscribe_url.strip(),
                           self.secret_key)

    @classmethod
    def from_settings(cls) -> DigestConfig:
        """From the environment (the console command's way; Dagster goes through its resource)."""
        values: dict[str, object] = {}
        for name, env in ENV.items():
            text = setting(env)
            if name in INT_FIELDS:
                try:
                    values[name] = int(text)
                except ValueError:
                    raise ValueError(f"{env} must be a number, got {text!r}") from None
            else:
                values[name] = text
        return cls(**values)

    def transport(self) -> str:
        if self.smtp_host.strip():
            return f"smtp://{self.smtp_host}:{self.smtp_port} ({self.smtp_security})"
        return f"outbox {self.outbox_dir}"

    def mailer(self):
        """OutboxMailer when no SMTP host is set (demo, tests), else SmtpMailer."""
        from netpipeline.digest.mailer import OutboxMailer, SmtpMailer

        if not self.smtp_host.strip():
            return OutboxMailer(self.outbox_dir)
        return SmtpMailer(self.smtp_host.strip(), self.smtp_port, user=self.smtp_user, password=self.smtp_password,
                          security=self.smtp_security.strip().lower())


FIELD_NAMES = tuple(f.name for f in fields(DigestConfig))
assert set(FIELD_NAMES) == set(ENV), "every DigestConfig field has its environment variable"
