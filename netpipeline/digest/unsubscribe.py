"""Leaving the digest: List-Unsubscribe links, signed tokens and the suppression list.

Every digest carries `List-Unsubscribe` with a mailto: address (NETPIPELINE_UNSUBSCRIBE_MAILTO,
by default unsubscribe@ the From address's domain) and, when NETPIPELINE_UNSUBSCRIBE_URL is
set, an https URL with the subscriber's token plus `List-Unsubscribe-Post:
List-Unsubscribe=One-Click` (RFC 8058). A token is `<payload>.<mac>`: the payload names the
subscriber and address, the mac is HMAC-SHA256 under NETPIPELINE_SECRET_KEY, so whoever
receives a click can verify it without the warehouse, and nobody can forge one for another
address. `digest.suppressions` (written by `netpipeline-digest unsubscribe`) is honoured by
every later send, whatever the subscriptions file says.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import getaddresses
from urllib.parse import quote

import duckdb

from netpipeline.warehouse import ensure_schema, transaction

DDL = """
CREATE SCHEMA IF NOT EXISTS digest;
CREATE TABLE IF NOT EXISTS digest.suppressions (
    email VARCHAR PRIMARY KEY,      -- lower-cased address that must get no more digests
    subscriber_id VARCHAR,          -- the subscriber it belonged to, when known
    suppressed_at TIMESTAMP NOT NULL,
    how VARCHAR NOT NULL            -- 'token' (a verified link or mail) or 'address' (given by an operator)
);
"""
_MAC_BYTES = 16  # 128 bits: unguessable, and keeps the URL short


class TokenError(ValueError):
    """A token that is malformed or whose signature does not match."""


@dataclass(frozen=True)
class Links:
    mailto: str            # mailto: URI
    url: str = ""          # https URL with the token, when one is configured

    def header(self) -> str:
        return ", ".join(f"<{u}>" for u in (self.url, self.mailto) if u)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), b"netpipeline-unsubscribe\0" + payload.encode("ascii"),
                    hashlib.sha256).digest()[:_MAC_BYTES]


def make_token(secret: str, subscriber_id: str, email: str) -> str:
    if not secret:
        raise ValueError("NETPIPELINE_SECRET_KEY is empty: unsubscribe tokens cannot be signed")
    payload = _b64(f"{subscriber_id}\0{email.lower()}".encode("utf-8"))
    return f"{payload}.{_b64(_mac(secret, payload))}"


def verify_token(secret: str, token: str) -> tuple[str, str]:
    """(subscriber_id, email) of a genuine token; TokenError otherwise."""
    if not secret:
        raise ValueError("NETPIPELINE_SECRET_KEY is empty: unsubscribe tokens cannot be verified")
    payload, _, mac = token.strip().partition(".")
    try:
        given = _unb64(mac)
        subscriber_id, email = _unb64(payload).decode("utf-8").split("\0")
    except (ValueError, UnicodeDecodeError):
        raise TokenError(f"not an unsubscribe token: {token[:60]!r}") from None
    if not hmac.compare_digest(given, _mac(secret, payload)):
        raise TokenError("unsubscribe token signature does not match (altered, or signed with another key)")
    return subscriber_id, email


class Unsubscribe:
    """Builds each subscriber's links from the settings; refuses a URL it could not sign."""

    def __init__(self, mail_from: str, mailto: str = "", url: str = "", secret: str = ""):
        if url and not secret:
            raise ValueError("NETPIPELINE_UNSUBSCRIBE_URL is set but NETPIPELINE_SECRET_KEY is empty: one-click "
                             "unsubscribe links must be signed; set a long random NETPIPELINE_SECRET_KEY")
        if url and "{token}" not in url:
            raise ValueError(f"NETPIPELINE_UNSUBSCRIBE_URL must contain {{token}}, got {url!r}")
        if url and not url.startswith("https://"):
            raise ValueError(f"NETPIPELINE_UNSUBSCRIBE_URL must be an https:// URL (RFC 8058), got {url!r}")
        if not mailto:
            addr = getaddresses([mail_from])[0][1]
            mailto = "unsubscribe@" + addr.rpartition("@")[2]
        self.address, self.url, self.secret = mailto.removeprefix("mailto:"), url, secret

    def links(self, subscriber_id: str, email: str) -> Links:
        token = make_token(self.secret, subscriber_id, email) if self.secret else ""
        subject = quote(f"unsubscribe {token or email}")
        return Links(mailto=f"mailto:{self.address}?subject={subject}",
                     url=self.url.replace("{token}", token) if self.url else "")


def ensure_suppressions(con: duckdb.DuckDBPyConnection) -> None:
    ensure_schema(con, DDL)


def suppress(con: duckdb.DuckDBPyConnection, email: str, subscriber_id: str | None, how: str) -> bool:
    """Record that `email` gets no more digests; False if it already was."""
    ensure_suppressions(con)
    with transaction(con):
        known = con.execute("SELECT 1 FROM digest.suppressions WHERE email = ?", [email.lower()]).fetchall()
        if known:
            return False
        con.execute("INSERT INTO digest.suppressions VALUES (?, ?, ?, ?)",
                    [email.lower(), subscriber_id, datetime.now(timezone.utc).replace(tzinfo=None), how])
    return True


def suppressed(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Lower-cased addresses that must get nothing (empty when nobody ever unsubscribed)."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'digest' "
                         "AND table_name = 'suppressions'").fetchone()[0]
    return {r[0] for r in con.execute("SELECT email FROM digest.suppressions").fetchall()} if exists else set()
