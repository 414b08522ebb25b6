"""Checks that an activity really comes from the Bot Framework Connector, as Microsoft requires.

https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication
(bot-to-connector): a bearer JWT signed with one of the keys the OpenID metadata lists (by
`kid`, RS256 only), issued by https://api.botframework.com, for this bot's app id, within its
validity (5 minutes' clock skew), with a `serviceurl` claim equal to the activity's serviceUrl,
and a signing key endorsed for the activity's channel.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
import jwt

ISSUER = "https://api.botframework.com"
CLOCK_SKEW_SECONDS = 300
KEYS_MAX_AGE_SECONDS = 24 * 3600
MIN_REFRESH_INTERVAL_SECONDS = 60  # an unknown kid refreshes the keys, but not on every request


class NotFromBotFramework(Exception):
    """The request failed one of the checks; the message says which (never the token itself)."""


class BotFrameworkTokenValidator:
    """Checks the Bot Framework's signed tokens on Teams messages (keys fetched and cached)."""
    def __init__(self, app_id: str, openid_url: str) -> None:
        self.app_id = app_id
        self.openid_url = openid_url
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _refresh_keys(self) -> None:
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(self.openid_url) as metadata:
                metadata.raise_for_status()
                jwks_uri = (await metadata.json(content_type=None))["jwks_uri"]
            async with session.get(jwks_uri) as keys:
                keys.raise_for_status()
                self._keys = {key["kid"]: key for key in (await keys.json(content_type=None))["keys"]}
        self._fetched_at = time.monotonic()

    async def _key(self, kid: str) -> dict[str, Any]:
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            stale = not self._fetched_at or age > KEYS_MAX_AGE_SECONDS
            if stale or (kid not in self._keys and age > MIN_REFRESH_INTERVAL_SECONDS):
                await self._refresh_keys()
        if kid not in self._keys:
            raise NotFromBotFramework("signed with an unknown key")
        return self._keys[kid]

    async def validate(self, authorization: str | None, activity: Mapping[str, Any]) -> None:
        """Raises NotFromBotFramework unless `authorization` passes every check for `activity`."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotFromBotFramework("no bearer token")
        try:
            kid = jwt.get_unverified_header(token).get("kid", "")
        except jwt.PyJWTError as error:
            raise NotFromBotFramework("malformed token") from error
        key = await self._key(kid)
        try:
            claims = jwt.decode(
                token,
                key=jwt.PyJWK(key, algorithm="RS256").key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=ISSUER,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise NotFromBotFramework(f"token rejected: {type(error).__name__}") from error
        service_url = claims.get("serviceurl", claims.get("serviceUrl"))
        if service_url != activity.get("serviceUrl"):
            raise NotFromBotFramework("serviceUrl does not match the token")
        endorsements = key.get("endorsements")
        if endorsements is not None and activity.get("channelId") not in endorsements:
            raise NotFromBotFramework("signing key not endorsed for this channel")
