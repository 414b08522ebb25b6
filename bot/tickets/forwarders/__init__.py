"""Helpdesk forwarders, chosen by HELPDESK (docs/tickets.md)."""

from __future__ import annotations

import requests

from bot.settings import ConfigurationError, HelpdeskSettings
from bot.tickets.forwarders.base import Forwarder, ForwardingError
from bot.tickets.forwarders.jira import JiraForwarder
from bot.tickets.forwarders.servicenow import ServiceNowForwarder
from bot.tickets.forwarders.webhook import WebhookForwarder
from bot.tickets.forwarders.zendesk import ZendeskForwarder

FORWARDERS: dict[str, type[Forwarder]] = {
    forwarder.name: forwarder
    for forwarder in (WebhookForwarder, ZendeskForwarder, JiraForwarder, ServiceNowForwarder)
}


def forwarder_for(settings: HelpdeskSettings, http: requests.Session | None = None) -> Forwarder | None:
    """The configured helpdesk's forwarder; None when HELPDESK is unset (tickets stay local)."""
    if not settings.kind:
        return None
    return FORWARDERS[settings.kind](settings, http)


__all__ = ["FORWARDERS", "ConfigurationError", "Forwarder", "ForwardingError", "forwarder_for"]
