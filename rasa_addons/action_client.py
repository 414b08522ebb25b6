"""One kept-alive HTTP client per endpoint for Rasa's calls to the action server.

Rasa 3.6's `EndpointConfig.request` builds a new aiohttp session, and so a new TCP connection,
for every call to the action server. `install()` replaces it with the same request sent
through one pooled session per endpoint and event loop, whose connections are kept alive a
little shorter than the action server keeps them (Sanic: 5 s), so a reused connection is
never one the server is closing. Everything else stays Rasa's: headers, basic auth, token
parameter, CA file, timeout, compression, the errors raised and the JSON (or None) returned.

It is a patch, so it refuses to start on a Rasa whose `EndpointConfig.request` is not the
one written against (a Rasa upgrade must re-check it). `rasa_addons.tracker_store`, the
tracker store endpoints.yml names, installs it, so plain `rasa run` gets it too.
docs/benchmarks.md has what it saves per call, measured.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import ssl
from typing import Any

import aiohttp
import rasa
from aiohttp.client_exceptions import ContentTypeError
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.shared.exceptions import FileNotFoundException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

PATCHED_RASA = "3.6."
PATCHED_SIGNATURE = (
    "(self, method: str = 'post', subpath: Optional[str] = None, "
    "content_type: Optional[str] = 'application/json', compress: bool = False, "
    "**kwargs: Any) -> Optional[Any]"
)
KEEPALIVE_SECONDS = 3.0  # below Sanic's default keep-alive timeout of 5 s
_ORIGINAL = EndpointConfig.request


class IncompatibleRasa(RuntimeError):
    pass


def check_rasa() -> None:
    """Raises IncompatibleRasa unless Rasa's request is the one this module replaces."""
    signature = str(inspect.signature(_ORIGINAL))
    if not rasa.__version__.startswith(PATCHED_RASA) or signature != PATCHED_SIGNATURE:
        raise IncompatibleRasa(
            f"rasa_addons/action_client.py was written for Rasa {PATCHED_RASA}x's "
            f"EndpointConfig.request{PATCHED_SIGNATURE}; this is Rasa {rasa.__version__} with "
            f"EndpointConfig.request{signature}. Check the new request code and update the module "
            "(or remove it) before starting."
        )


def _session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """The endpoint's pooled session on the running event loop (made on first use)."""
    loop = asyncio.get_running_loop()
    sessions: dict[int, aiohttp.ClientSession] = endpoint.__dict__.setdefault("_pooled_sessions", {})
    session = sessions.get(id(loop))
    if session is None or session.closed:
        auth = None
        if endpoint.basic_auth:
            auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
        session = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
        )
        sessions[id(loop)] = session
    return session


async def pooled_request(
    self: EndpointConfig,
    method: str = "post",
    subpath: str | None = None,
    content_type: str | None = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Any | None:
    """EndpointConfig.request of Rasa 3.6 through a pooled session (same arguments and results)."""
    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    if "headers" in kwargs:
        headers.update(kwargs.pop("headers"))
    if self.headers:
        headers.update(self.headers)
    sslcontext = None
    if self.cafile:
        try:
            sslcontext = ssl.create_default_context(cafile=self.cafile)
        except FileNotFoundError as e:
            raise FileNotFoundException(
                f"Failed to find certificate file, '{os.path.abspath(self.cafile)}' does not exist."
            ) from e
    async with _session(self).request(
        method,
        concat_url(self.url, subpath),
        headers=headers,
        params=self.combine_parameters(kwargs),
        compress=compress,
        ssl=sslcontext,
        **kwargs,
    ) as response:
        if response.status >= 400:
            raise ClientResponseError(response.status, response.reason, await response.content.read())
        try:
            return await response.json()
        except ContentTypeError:
            return None


def install() -> None:
    """Checks the installed Rasa, then routes every endpoint request through pooled sessions."""
    check_rasa()
    EndpointConfig.request = pooled_request  # type: ignore[method-assign]
