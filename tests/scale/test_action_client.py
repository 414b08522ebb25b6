"""The pooled action-server client: one kept-alive connection, Rasa's results and errors, and a
refusal to start on a Rasa whose request it was not written for."""

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
    before = EndpointConfig.request
    action_client.install()
    yield
    EndpointConfig.request = before  # type: ignore[method-assign]


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


def test_refuses_a_rasa_with_another_request(monkeypatch: pytest.MonkeyPatch) -> None:
    async def changed(self: EndpointConfig, method: str = "post", **kwargs: Any) -> Any:
        return None

    monkeypatch.setattr(action_client, "_ORIGINAL", changed)
    with pytest.raises(action_client.IncompatibleRasa, match="update the module"):
        action_client.install()
    monkeypatch.setattr(action_client.rasa, "__version__", "3.7.0")
    monkeypatch.setattr(action_client, "_ORIGINAL", EndpointConfig.request)
    with pytest.raises(action_client.IncompatibleRasa):
        action_client.check_rasa()
