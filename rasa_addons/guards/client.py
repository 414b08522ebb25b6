"""Who is on the other end of a message: the client's IP address, while its message is handled.

HTTP channels set `CLIENT_ADDRESS` for the request being handled (the REST channel in its
middleware, the socket.io channel around each message); channels whose requests come from a
platform (Slack, Teams) leave it unset. Behind a reverse proxy, Sanic reads the address from
X-Forwarded-For when SANIC_PROXIES_COUNT (or SANIC_REAL_IP_HEADER) is set.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from contextvars import ContextVar

from sanic.request import Request

CLIENT_ADDRESS: ContextVar[str | None] = ContextVar("client_address", default=None)

# Keys derived from addresses with this per-process secret name a client in message metadata
# (the ticket limits read them) without storing its address.
_KEY_SECRET = secrets.token_bytes(32)


def address_of(request: Request) -> str:
    return str(request.remote_addr or request.ip)


def client_key(address: str) -> str:
    """A pseudonymous, stable (for this process) key for an IP address."""
    return hmac.new(_KEY_SECRET, address.encode(), hashlib.sha256).hexdigest()[:24]
