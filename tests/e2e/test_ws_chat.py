"""The web chat WebSocket, /ws/chat, end to end through aiohttp's test client."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import WSMsgType

from api.keys import WS_HUB
from api.routes.ws_chat import MAX_FRAME, MAX_RATE_STRIKES, RATE_BURST
from bot.replies import Button, Reply
from tests.e2e.conftest import World

WS = aiohttp.ClientWebSocketResponse


async def connect(world: World, who: str = "asha", **headers: str) -> WS:
    # Seeding made notifications; read them all so no inbox push precedes the replies.
    await world.container.events.dispatcher.drain()
    await world.client.post("/api/v1/notifications/read-all", headers=world.auth(who))
    ws = await world.client.ws_connect("/ws/chat", headers=headers)
    await ws.send_json({"type": "auth", "token": world.tokens[who]})
    ready = await ws.receive_json()
    assert ready == {"type": "ready", "customer": {"first_name": ready["customer"]["first_name"]}}
    return ws


async def turn(ws: WS, **frame: Any) -> list[dict[str, Any]]:
    """Send one frame; the frames answering it, up to the end of typing."""
    await ws.send_json(frame)
    frames = []
    while True:
        got = await ws.receive_json()
        frames.append(got)
        if got == {"type": "typing", "state": False}:
            return frames


def reply_of(frames: list[dict[str, Any]]) -> dict[str, Any]:
    (reply,) = [f for f in frames if f["type"] == "reply"]
    return reply


async def closed_with(ws: WS) -> int | None:
    """Read until the server closes; its close code."""
    while True:
        msg = await ws.receive()
        if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
            return ws.close_code
        assert msg.type is WSMsgType.TEXT, msg


# -- authentication and origin ------------------------------------------------------


async def test_a_connection_that_talks_before_authenticating_is_closed_with_4401(
    world: World,
) -> None:
    ws = await world.client.ws_connect("/ws/chat")
    await ws.send_json({"type": "message", "text": "what's my balance?"})
    assert await closed_with(ws) == 4401


async def test_a_bad_or_refresh_token_is_closed_with_4401(world: World) -> None:
    login = await world.client.post(
        "/api/v1/auth/login", json={"username": "asha", "password": "correct-horse-1"}
    )
    refresh = (await login.json())["refresh_token"]
    for token in ("swa_not-a-real-token", refresh, "", 42):
        ws = await world.client.ws_connect("/ws/chat")
        await ws.send_json({"type": "auth", "token": token})
        assert await closed_with(ws) == 4401


async def test_no_auth_frame_in_time_is_closed_with_4408(world: World) -> None:
    world.container.settings.ws_auth_timeout_s = 0.05
    ws = await world.client.ws_connect("/ws/chat")
    assert await closed_with(ws) == 4408


async def test_the_token_may_come_as_a_subprotocol_and_is_never_echoed(world: World) -> None:
    token = world.tokens["asha"]
    ws = await world.client.ws_connect("/ws/chat", protocols=("swayam.v1", f"bearer.{token}"))
    assert ws.protocol == "swayam.v1"
    assert (await ws.receive_json())["type"] == "ready"
    await ws.close()


async def test_an_operator_token_is_refused_with_4403(world: World) -> None:
    ws = await world.client.ws_connect("/ws/chat")
    await ws.send_json({"type": "auth", "token": world.tokens["ops"]})
    assert await closed_with(ws) == 4403


async def test_a_foreign_origin_is_refused_with_4403_before_any_token_is_read(
    world: World,
) -> None:
    ws = await world.client.ws_connect("/ws/chat", headers={"Origin": "https://evil.example"})
    assert await closed_with(ws) == 4403


async def test_the_servers_own_origin_and_listed_origins_are_accepted(world: World) -> None:
    own = f"http://{world.client.host}:{world.client.port}"
    world.container.settings.allowed_origins = ("https://bank.example",)
    for origin in (own, "https://bank.example"):
        ws = await connect(world, Origin=origin)
        await ws.close()
    ws = await world.client.ws_connect("/ws/chat", headers={"Origin": "https://bank.example.evil"})
    assert await closed_with(ws) == 4403


async def test_a_signed_out_session_is_closed_with_4401_at_its_next_message(
    world: World,
) -> None:
    login = await world.client.post(
        "/api/v1/auth/login", json={"username": "asha", "password": "correct-horse-1"}
    )
    access = (await login.json())["access_token"]
    ws = await world.client.ws_connect("/ws/chat")
    await ws.send_json({"type": "auth", "token": access})
    assert (await ws.receive_json())["type"] == "ready"
    out = await world.client.post(
        "/api/v1/auth/logout", headers={"Authorization": f"Bearer {access}"}
    )
    assert out.status == 204
    await ws.send_json({"type": "message", "text": "what's my balance?"})
    assert await closed_with(ws) == 4401


async def test_a_renewed_token_of_another_customer_is_refused_with_4403(world: World) -> None:
    ws = await connect(world, "asha")
    await ws.send_json({"type": "auth", "token": world.tokens["vikram"]})
    assert await closed_with(ws) == 4403


# -- chatting ---------------------------------------------------------------------------


async def test_asking_the_balance_shows_typing_then_the_reply_model(world: World) -> None:
    ws = await connect(world)
    frames = await turn(ws, type="message", text="what's my balance?")
    assert [f["type"] for f in frames] == ["typing", "reply", "typing"]
    assert frames[0] == {"type": "typing", "state": True}
    reply = reply_of(frames)
    assert reply["conversation_id"].startswith("cnv_")
    (answer,) = reply["replies"]
    assert "Savings: ₹2,45,000.00" in answer["text"]
    assert "Current: ₹58,000.00" in answer["text"]
    assert answer["cards"][0]["rows"] == [{"label": "Balance", "value": "₹2,45,000.00"}]
    await ws.close()


async def test_a_transfer_is_made_when_the_yes_button_frame_arrives(world: World) -> None:
    ws = await connect(world)
    ask = reply_of(await turn(ws, type="message", text="send 500 to Ravi"))
    (question,) = ask["replies"]
    (yes,) = [b for b in question["buttons"] if b["label"] == "Yes"]
    assert yes["payload"].startswith("/affirm:")  # sealed to this confirmation
    assert await world.balance(world.asha_savings) == 2_45_000_00

    done = reply_of(await turn(ws, type="button", payload=yes["payload"]))
    assert done["conversation_id"] == ask["conversation_id"]
    assert "Sent ₹500.00 to Ravi Kumar" in done["replies"][0]["text"]
    assert await world.balance(world.asha_savings) == 2_44_500_00
    await ws.close()


async def test_a_new_connection_continues_the_conversation_it_names(world: World) -> None:
    first = await connect(world)
    ask = reply_of(await turn(first, type="message", text="send 500 to Ravi"))
    await first.close()  # the connection drops before the customer answers

    again = await connect(world)
    done = reply_of(
        await turn(again, type="button", payload="/affirm", conversation_id=ask["conversation_id"])
    )
    assert done["conversation_id"] == ask["conversation_id"]
    assert await world.balance(world.asha_savings) == 2_44_500_00
    await again.close()


async def test_another_customers_conversation_is_refused_and_left_untouched(
    world: World,
) -> None:
    asha = await connect(world, "asha")
    conversation = reply_of(await turn(asha, type="message", text="send 500 to Ravi"))[
        "conversation_id"
    ]
    vikram = await connect(world, "vikram")
    frames = await turn(vikram, type="button", payload="/affirm", conversation_id=conversation)
    errors = [f for f in frames if f["type"] == "error"]
    assert [e["code"] for e in errors] == ["conversation_not_found"]
    assert not [f for f in frames if f["type"] == "reply"]
    assert await world.balance(world.asha_savings) == 2_45_000_00
    history = await world.client.get(
        f"/api/v1/chat/conversations/{conversation}", headers=world.auth("asha")
    )
    assert len((await history.json())["messages"]) == 2
    await asha.close()
    await vikram.close()


async def test_a_message_that_is_not_text_gets_an_error_frame_and_the_socket_stays(
    world: World,
) -> None:
    ws = await connect(world)
    await ws.send_json({"type": "message", "text": 42})
    error = await ws.receive_json()
    assert error["type"] == "error" and error["code"] == "invalid_message"
    await ws.send_json({"type": "ping"})
    assert await ws.receive_json() == {"type": "pong"}
    await ws.close()


# -- abuse --------------------------------------------------------------------------------


async def test_frames_over_the_rate_get_errors_and_repeated_abuse_closes_with_4429(
    world: World,
) -> None:
    ws = await connect(world)  # the test clock stands still: no tokens come back
    for _ in range(RATE_BURST):
        await ws.send_json({"type": "ping"})
        assert await ws.receive_json() == {"type": "pong"}
    for _ in range(MAX_RATE_STRIKES - 1):
        await ws.send_json({"type": "ping"})
        error = await ws.receive_json()
        assert error["type"] == "error" and error["code"] == "rate_limited"
    await ws.send_json({"type": "ping"})
    assert await closed_with(ws) == 4429


async def test_the_rate_refills_as_time_passes(world: World) -> None:
    ws = await connect(world)
    for _ in range(RATE_BURST):
        await ws.send_json({"type": "ping"})
        await ws.receive_json()
    world.clock.advance(timedelta(seconds=1))  # 3 frames' worth
    for _ in range(3):
        await ws.send_json({"type": "ping"})
        assert await ws.receive_json() == {"type": "pong"}
    await ws.send_json({"type": "ping"})
    assert (await ws.receive_json())["code"] == "rate_limited"
    await ws.close()


async def test_non_json_and_unknown_frames_are_closed_with_1003(world: World) -> None:
    for frame in ("what's my balance?", "[1, 2]", '{"type": "shout"}', b"\x00\x01"):
        ws = await connect(world)
        if isinstance(frame, bytes):
            await ws.send_bytes(frame)
        else:
            await ws.send_str(frame)
        assert await closed_with(ws) == 1003


async def test_an_oversized_frame_is_closed_with_1009(world: World) -> None:
    ws = await connect(world)
    await ws.send_json({"type": "message", "text": "x" * (MAX_FRAME + 1)})
    assert await closed_with(ws) == 1009


# -- pushes --------------------------------------------------------------------------------


async def test_a_push_through_the_hub_reaches_only_that_customers_connections(
    world: World,
) -> None:
    asha_phone, asha_laptop = await connect(world, "asha"), await connect(world, "asha")
    vikram = await connect(world, "vikram")
    hub = world.client.app[WS_HUB]
    note = Reply("Salary of ₹85,000.00 credited.", buttons=(Button("Show balance", "/balance"),))
    assert await hub.push(world.asha, [note]) == 2
    for ws in (asha_phone, asha_laptop):
        assert await ws.receive_json() == {"type": "push", "replies": [note.to_json()]}
    await vikram.send_json({"type": "ping"})
    assert await vikram.receive_json() == {"type": "pong"}
    for ws in (asha_phone, asha_laptop, vikram):
        await ws.close()


async def test_a_closed_connection_leaves_the_hub(world: World) -> None:
    hub = world.client.app[WS_HUB]
    ws = await connect(world)
    assert hub.connections(world.asha) == 1
    await ws.close()
    # The server's handler finishes its clean-up just after answering the close.
    for _ in range(100):
        if hub.connections(world.asha) == 0:
            break
        await world.client.get("/healthz")
    assert hub.connections(world.asha) == 0
    assert await hub.push(world.asha, [Reply("anyone there?")]) == 0


# -- the page ------------------------------------------------------------------------------


async def test_the_page_and_its_assets_are_served_with_a_strict_policy(world: World) -> None:
    page = await world.client.get("/")
    assert page.status == 200 and page.content_type == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    html = await page.text()
    assert "http://" not in html and "https://" not in html
    for name, kind in (("chat.js", "text/javascript"), ("chat.css", "text/css")):
        asset = await world.client.get(f"/chat/{name}")
        assert asset.status == 200 and asset.content_type == kind
        assert "http://" not in await asset.text()
    assert (await world.client.get("/chat/index.html")).status == 404
    assert (await world.client.get("/chat/..%2Fdocs.html")).status == 404
