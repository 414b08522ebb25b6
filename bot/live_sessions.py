"""Where the live copy of a conversation's current session is kept: a Redis list per conversation.

rasa_addons/tracker_store.py writes and reads it (with LOCK_STORE_URL set, the lock's Redis);
the privacy commands (bot/privacy) delete it with the conversation, so that a deleted
conversation is not read back from Redis while its copy would still live.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import redis

KEY_PREFIX = "tracker:"


def key(sender_id: str) -> str:
    """The Redis key of `sender_id`'s live session."""
    return KEY_PREFIX + sender_id


def redis_client(url: str) -> redis.Redis:
    """A client for `redis[s]://[[user]:password@]host[:port][/db]`; db 1 (as the lock store's) by default."""
    parts = urlsplit(url)
    if not parts.path.strip("/"):
        url = parts._replace(path="/1").geturl()
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
