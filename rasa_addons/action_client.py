"""One kept-alive HTTP client per endpoint for Rasa's calls to the action server.

Rasa 3.6's `EndpointConfig.request` builds a new aiohttp session, and so a new TCP connection,
for every call to the action server. rasa_addons.patches replaces it with `pooled_request`,
the same request sent through one pooled session per endpoint and event loop, whose
connections are kept alive a little shorter than the action server keeps them (Sanic: 5 s),
so a reused connection is never one the server is closing. Everything else stays Rasa's:
headers, basic auth, token parameter, CA file, timeout, compression, the errors raised and
the JSON (or None) returned.

With ACTION_SERVER_URL=in-process there is no action server: the same patched request hands
the call to rasa_sdk's executor in this process (rasa_addons/local_actions.py).

The patch is checked against the installed Rasa like every other (rasa_addons/patches.py).
docs/benchmarks.md has what it saves per call, measured.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from typing import Any

import aiohttp
from aiohttp.client_exceptions import ContentTypeError
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.shared.exceptions import FileNotFoundException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

from bot.settings import means_in_process
from rasa_addons.local_actions import run_action

KEEPALIVE_SECONDS = 3.0  # below Sanic's default keep-alive timeout of 5 s


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
    """EndpointConfig.request of Rasa 3.6 through a pooled session (same arguments and results).

    An endpoint whose URL is `in-process` (ACTION_SERVER_URL) runs the action call here instead
    (rasa_addons/local_actions.py).
    """
    if means_in_process(self.url):
        return await run_action(kwargs["json"])
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
