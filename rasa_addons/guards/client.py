"""Who is on the other end of a message: the client's IP address, while its message is handled.

HTTP channels set `CLIENT_ADDRESS` for the request being handled (the REST channel in its
middleware, the socket.io channel around each message); channels whose requests come from a
platform (Slack, Teams) leave it unset. The address is the connection's peer, or, behind a
reverse proxy, the last value of the one header that proxy sets (TRUSTED_PROXY_HEADER, e.g.
X-Forwarded-For): no other header a client sends is believed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from contextvars import ContextVar
from functools import cache

from sanic.request import Request

from bot.settings import GuardSettings, Settings

CLIENT_ADDRESS: ContextVar[str | None] = ContextVar("client_address", default=None)
KEY_FILE = "client-key.secret"  # in RECOVERY_BOT_VAR_DIR


def address_of(request: Request, settings: GuardSettings) -> str:
    """The client's address: the trusted proxy's header when configured, else the peer."""
    if settings.trusted_proxy_header:
        forwarded: str = request.headers.get(settings.trusted_proxy_header, "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return str(request.ip)


@cache
def _key_secret() -> bytes:
    """CLIENT_KEY_SECRET, or a secret made once and kept in the data folder (one machine)."""
    configured = GuardSettings.from_env().client_key_secret
    if configured:
        return configured.encode()
    path = Settings.from_env().var_dir / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{KEY_FILE}.{os.getpid()}")
        draft.write_text(secrets.token_hex(32), encoding="ascii")
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # atomic: the first process's secret wins, complete
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip().encode()


def client_key(address: str) -> str:
    """A pseudonymous key for an IP address, the same on every server sharing the secret."""
    return hmac.new(_key_secret(), address.encode(), hashlib.sha256).hexdigest()[:24]
