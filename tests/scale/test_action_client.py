"""The pooled action-server client: one kept-alive connection, Rasa's results and errors (the
refusal to start on another Rasa is rasa_addons/patches.py's, tests/rasa_addons/test_patches.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from rasa_addons import action_client
from tools.stack import free_port


@pytest.fixture
def installed() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(EndpointConfig, "request", action_client.pooled_request)
        yield


async def _serve_and_call(calls: int) -> tuple[list[Any], set[int], Exception | None]:
    """Answers `calls` action calls from a local server; the client ports it saw; a 400's error."""
    ports: set[int] = set()

    async def webhook(request: web.Request) -> web.Response:
        ports.add(request.transport.get_extra_info("peername")[1])
        body = await request.json()
        if body.get("next_action") == "reject":
            return web.json_response({"action_name": "reject", "error": "no"}, status=400)
        return web.json_response({"events": [], "responses": [{"text": body["next_action"]}]})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"Authorization": "Bearer t"})
    try:
        answers = [await endpoint.request(json={"next_action": f"a{n}"}, method="post") for n in range(calls)]
        try:
            await endpoint.request(json={"next_action": "reject"}, method="post")
            error = None
        except ClientResponseError as e:
            error = e
    finally:
        for session in endpoint.__dict__.get("_pooled_sessions", {}).values():
            await session.close()
        await runner.cleanup()
    return answers, ports, error


def test_calls_reuse_one_connection_and_keep_rasas_answers_and_errors(installed: None) -> None:
    answers, ports, error = asyncio.run(_serve_and_call(5))
    assert [a["responses"][0]["text"] for a in answers] == [f"a{n}" for n in range(5)]
    assert len(ports) == 1  # Rasa's own request opens a connection per call
    assert isinstance(error, ClientResponseError) and error.status == 400
    assert b'"action_name": "reject"' in error.text
