"""Rasa's response generator, serving the domain's responses and the features' replies.

Configured in endpoints.yml (`nlg: type: rasa_addons.replies.DomainAndReplies`). It is Rasa's
own TemplatedNaturalLanguageGenerator (slot and keyword placeholders, buttons, channel
variations) over the domain's responses plus bot.replies (data/<feature>/replies.yml): the
texts only actions send, kept out of the domain so that Rasa's validation does not report them
as unused. A name in both is refused, so a reply never silently hides a response.
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from bot.replies import Replies, load_replies


class DomainAndReplies(TemplatedNaturalLanguageGenerator):
    """The domain's responses and the features' replies; the agent resets `responses` to the
    loaded model's domain responses, and the replies are added again each time."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None) -> None:
        self._replies: Replies = load_replies()
        super().__init__(domain.responses if domain else {})

    @property
    def responses(self) -> dict[str, list[dict[str, Any]]]:
        return self._responses

    @responses.setter
    def responses(self, domain_responses: dict[str, list[dict[str, Any]]]) -> None:
        both = sorted(set(domain_responses) & set(self._replies))
        if both:
            raise ValueError(f"defined both as a domain response and as a reply: {', '.join(both)}")
        self._responses = {**domain_responses, **self._replies}
