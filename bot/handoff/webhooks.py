"""Helpdesk webhooks: who sent them (verified) and what the agent did, as AgentEvents.

Each helpdesk authenticates its webhooks its own way:
- Zendesk signs every request: X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(secret,
  X-Zendesk-Webhook-Signature-Timestamp + body));
- Jira Cloud webhooks registered with a secret carry X-Hub-Signature: sha256=<hex HMAC-SHA256(body)>;
- ServiceNow's outbound REST message (a business rule, docs/handoff.md) sends a shared secret in
  X-Recovery-Bot-Token, compared in constant time.
Only comments the person may see are read (Zendesk `public`, Jira `jsdPublic`, ServiceNow
customer comments): internal notes, including the bot's own notes, never reach the chat.
A comment holding the resume command ("#bot") hands the conversation back; closing or
resolving the ticket does too. Agent text is redacted like everything else the bot keeps.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from bot.handoff.models import CLOSED, HANDBACK, REPLY
from bot.redaction import redact

ZENDESK_SIGNATURE = "X-Zendesk-Webhook-Signature"
ZENDESK_TIMESTAMP = "X-Zendesk-Webhook-Signature-Timestamp"
JIRA_SIGNATURE = "X-Hub-Signature"
SERVICENOW_HEADER = "X-Recovery-Bot-Token"  # carries the shared secret
ZENDESK_CLOSED = frozenset({"solved", "closed"})
SERVICENOW_CLOSED = frozenset({"6", "7", "resolved", "closed"})  # incident states Resolved, Closed
BOT_NOTE_MARK = "[mfa-recovery-bot]"  # leads every note the bot writes on a ticket


class NotVerified(Exception):
    """The request is not from the helpdesk (missing or wrong signature or secret)."""


class UnreadablePayload(ValueError):
    """The body is not what this helpdesk's webhook sends (docs/handoff.md shows the set-up)."""


@dataclass(frozen=True)
class AgentEvent:
    """One thing an agent did on a ticket: a reply for the person, a hand-back, or closing it."""

    helpdesk: str
    reference: str  # the helpdesk's ticket reference (Zendesk id, Jira key, ServiceNow number)
    external_id: str  # unique per helpdesk: the same webhook twice gives the same id
    kind: str
    author: str
    body: str
    written_at: datetime


def _header(headers: Mapping[str, str], name: str) -> str:
    lowered = {key.lower(): value for key, value in headers.items()}
    return str(lowered.get(name.lower(), ""))


def verify(helpdesk: str, secret: str, headers: Mapping[str, str], body: bytes) -> None:
    """NotVerified unless the request carries `helpdesk`'s proof made with `secret`."""
    if not secret:
        raise NotVerified(f"{helpdesk.upper()}_WEBHOOK_SECRET is not set: webhooks are refused")
    if helpdesk == "zendesk":
        timestamp = _header(headers, ZENDESK_TIMESTAMP)
        digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
        expected = base64.b64encode(digest).decode()
        given = _header(headers, ZENDESK_SIGNATURE)
    elif helpdesk == "jira":
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        given = _header(headers, JIRA_SIGNATURE)
    elif helpdesk == "servicenow":
        expected, given = secret, _header(headers, SERVICENOW_HEADER)
    else:
        raise NotVerified(f"unknown helpdesk {helpdesk!r}")
    if not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise NotVerified(f"the {helpdesk} webhook's signature does not match")


def _time(value: Any) -> datetime:
    """A helpdesk timestamp (ISO 8601, Jira's +0000 form, ServiceNow's "YYYY-MM-DD HH:MM:SS" UTC)."""
    text = str(value or "").strip()
    if not text:
        raise UnreadablePayload("the comment has no time")
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace("Z", "+00:00"))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise UnreadablePayload(f"unreadable time {value!r}") from error
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _is_true(value: Any) -> bool:
    return value is True or str(value).strip().lower() == "true"


def comment_events(
    helpdesk: str, reference: str, comment: Mapping[str, Any], author: str, time_field: str, command: str
) -> list[AgentEvent]:
    """A comment as events: its text (if any, redacted), then a hand-back if it holds `command`."""
    comment_id, text = str(comment["id"]), str(comment.get("body") or "")
    written_at = _time(comment.get(time_field))
    if text.lstrip().startswith(BOT_NOTE_MARK):
        return []
    hands_back = bool(command) and re.search(rf"(?<!\w){re.escape(command)}(?!\w)", text, re.IGNORECASE)
    if hands_back:
        text = re.sub(rf"(?<!\w){re.escape(command)}(?!\w)", " ", text, flags=re.IGNORECASE)
    text = "\n".join(line.strip() for line in text.strip().splitlines()).strip()
    events = []
    if text:
        events.append(
            AgentEvent(
                helpdesk, reference, f"{comment_id}:reply", REPLY, author, redact(text).text, written_at
            )
        )
    if hands_back:
        events.append(
            AgentEvent(helpdesk, reference, f"{comment_id}:handback", HANDBACK, author, "", written_at)
        )
    return events


def _closed(helpdesk: str, reference: str, marker: str, written_at: datetime) -> AgentEvent:
    return AgentEvent(helpdesk, reference, f"closed:{reference}:{marker}", CLOSED, "", "", written_at)


def _zendesk(payload: dict[str, Any], command: str, now: datetime) -> list[AgentEvent]:
    reference = str(payload.get("ticket_id") or "")
    if not reference:
        raise UnreadablePayload('expected "ticket_id"')
    events: list[AgentEvent] = []
    comment = payload.get("comment") or {}
    if comment.get("id") and _is_true(comment.get("public")):
        author = str(comment.get("author") or "Support")
        events += comment_events("zendesk", reference, comment, author, "created_at", command)
    status = str(payload.get("status") or "").lower()
    if status in ZENDESK_CLOSED:
        events.append(
            _closed(
                "zendesk",
                reference,
                f"{status}:{payload.get('updated_at') or ''}",  # each close once, a reopened one again
                _time(payload.get("updated_at") or now.isoformat()),
            )
        )
    return events


def _jira(payload: dict[str, Any], command: str, now: datetime) -> list[AgentEvent]:
    issue = payload.get("issue") or {}
    reference = str(issue.get("key") or "")
    if not reference:
        raise UnreadablePayload('expected "issue": {"key": ...}')
    event = str(payload.get("webhookEvent") or "")
    comment = payload.get("comment") or {}
    if event == "comment_created" and comment.get("id"):
        if not _is_true(comment.get("jsdPublic", True)):
            return []
        author = (comment.get("author") or {}).get("displayName") or "Support"
        return comment_events("jira", reference, comment, str(author), "created", command)
    fields = issue.get("fields") or {}
    category = ((fields.get("status") or {}).get("statusCategory") or {}).get("key")
    changed_status = any(
        item.get("field") == "status" for item in (payload.get("changelog") or {}).get("items", [])
    )
    if event == "jira:issue_updated" and changed_status and category == "done":
        marker = str((payload.get("changelog") or {}).get("id") or payload.get("timestamp") or "")
        stamp = payload.get("timestamp")
        moment = datetime.fromtimestamp(int(stamp) / 1000, timezone.utc) if stamp else now
        return [_closed("jira", reference, marker, moment)]
    return []


def _servicenow(payload: dict[str, Any], command: str, now: datetime) -> list[AgentEvent]:
    reference = str(payload.get("number") or "")
    if not reference:
        raise UnreadablePayload('expected "number"')
    events: list[AgentEvent] = []
    comment = payload.get("comment") or {}
    if comment.get("id"):
        author = str(comment.get("author") or "Support")
        events += comment_events("servicenow", reference, comment, author, "created_at", command)
    if str(payload.get("state") or "").lower() in SERVICENOW_CLOSED:
        marker = f"{payload.get('state')}:{payload.get('updated_at') or ''}"
        events.append(_closed("servicenow", reference, marker, now))
    return events


PARSERS = {"zendesk": _zendesk, "jira": _jira, "servicenow": _servicenow}


def agent_events(helpdesk: str, body: bytes, command: str, now: datetime) -> list[AgentEvent]:
    """What the webhook body reports; UnreadablePayload when it is not this helpdesk's shape."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise UnreadablePayload("the body is not JSON") from error
    if not isinstance(payload, dict):
        raise UnreadablePayload("the body is not a JSON object")
    try:
        return PARSERS[helpdesk](payload, command, now)
    except (AttributeError, TypeError, KeyError, ValueError) as error:  # a field of the wrong type
        if isinstance(error, UnreadablePayload):
            raise
        raise UnreadablePayload(f"unexpected field types ({type(error).__name__}: {error})") from error
