"""REST chat end to end: talk, press buttons, see money move, history, feedback, analytics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.bootstrap import build
from bot.context import Customer
from tests.e2e.conftest import World

HOSTILE = [
    "",
    "x" * 10_000,
    "😀🎉🙏💸",
    "\x00\x07send\x1b[31m 500\x7f to\u200b ravi\x08",
    "<script>alert('x')</script><b>balance</b>",
    "'; DROP TABLE accounts; -- ",
    "1 OR 1=1; SELECT * FROM users",
]


async def chat(world: World, who: str = "asha", **body: Any) -> dict[str, Any]:
    response = await world.client.post("/api/v1/chat", json=body, headers=world.auth(who))
    assert response.status == 200, await response.text()
    result: dict[str, Any] = await response.json()
    return result


def button(reply: dict[str, Any], label: str) -> str:
    payload: str = next(
        b["payload"] for r in reply["replies"] for b in r["buttons"] if b["label"] == label
    )
    return payload


async def savings_balance(world: World) -> int:
    response = await world.client.get("/api/v1/accounts", headers=world.auth("asha"))
    items = (await response.json())["items"]
    minor: int = next(a["balance"]["minor"] for a in items if a["name"] == "Savings")
    return minor


async def test_a_chatted_transfer_confirmed_by_button_moves_money_seen_in_accounts(
    world: World,
) -> None:
    ask = await chat(world, text="send 500 to Ravi")
    assert "Send ₹500.00 to Ravi Kumar from Savings" in ask["replies"][0]["text"]
    assert await savings_balance(world) == 2_45_000_00

    done = await chat(world, payload=button(ask, "Yes"), conversation_id=ask["conversation_id"])

    assert done["conversation_id"] == ask["conversation_id"]
    assert "Sent ₹500.00 to Ravi Kumar" in done["replies"][0]["text"]
    assert await savings_balance(world) == 2_44_500_00


async def test_the_plain_affirm_payload_confirms_the_pending_transfer(world: World) -> None:
    ask = await chat(world, text="send 800 to Ravi")
    done = await chat(world, payload="/affirm", conversation_id=ask["conversation_id"])
    assert "Sent ₹800.00" in done["replies"][0]["text"]
    assert await savings_balance(world) == 2_44_200_00


async def test_a_conversation_lists_both_sides_and_is_gone_after_delete(world: World) -> None:
    first = await chat(world, text="what's my balance?")
    cid = first["conversation_id"]
    world.clock.advance(timedelta(seconds=30))
    await chat(world, text="thanks", conversation_id=cid)

    listed = await world.client.get("/api/v1/chat/conversations", headers=world.auth("asha"))
    assert [c["id"] for c in (await listed.json())["items"]] == [cid]
    shown = await world.client.get(f"/api/v1/chat/conversations/{cid}", headers=world.auth("asha"))
    messages = (await shown.json())["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[0]["text"] == "what's my balance?"
    assert "₹2,45,000.00" in messages[1]["text"]

    other = await world.client.get(
        f"/api/v1/chat/conversations/{cid}", headers=world.auth("vikram")
    )
    assert other.status == 404
    stolen = await world.client.delete(
        f"/api/v1/chat/conversations/{cid}", headers=world.auth("vikram")
    )
    assert stolen.status == 404

    deleted = await world.client.delete(
        f"/api/v1/chat/conversations/{cid}", headers=world.auth("asha")
    )
    assert deleted.status == 204
    gone = await world.client.get(f"/api/v1/chat/conversations/{cid}", headers=world.auth("asha"))
    assert gone.status == 404
    again = await world.client.delete(
        f"/api/v1/chat/conversations/{cid}", headers=world.auth("asha")
    )
    assert again.status == 404


async def test_feedback_is_given_once_on_own_replies_only(world: World) -> None:
    turn = await chat(world, text="what's my balance?")
    url, mine = "/api/v1/chat/feedback", world.auth("asha")
    body = {"message_id": turn["message_id"], "helpful": True, "comment": "quick"}

    first = await world.client.post(url, json=body, headers=mine)
    assert first.status == 201
    assert (await first.json())["helpful"] is True
    duplicate = await world.client.post(url, json=body, headers=mine)
    assert duplicate.status == 409
    not_hers = await world.client.post(url, json=body, headers=world.auth("vikram"))
    assert not_hers.status == 404

    conv = await world.client.get(
        f"/api/v1/chat/conversations/{turn['conversation_id']}", headers=mine
    )
    own_message = (await conv.json())["messages"][0]
    assert own_message["role"] == "user"
    on_own = await world.client.post(
        url, json={"message_id": own_message["id"], "helpful": False}, headers=mine
    )
    assert on_own.status == 422


async def test_operators_see_intents_fallbacks_confidence_tasks_and_feedback(
    world: World,
) -> None:
    balance = await chat(world, text="what's my balance?")
    await chat(world, text="what's my balance?")
    await chat(world, text="book me a flight to goa")
    sent = await chat(world, text="send 500 to Ravi")
    await chat(world, payload=button(sent, "Yes"), conversation_id=sent["conversation_id"])
    dropped = await chat(world, text="send 700 to Ravi")
    await chat(world, text="cancel", conversation_id=dropped["conversation_id"])
    await world.client.post(
        "/api/v1/chat/feedback",
        json={"message_id": balance["message_id"], "helpful": True},
        headers=world.auth("asha"),
    )

    response = await world.client.get("/api/v1/assistant/analytics", headers=world.auth("ops"))
    assert response.status == 200
    report = await response.json()
    counts = {i["intent"]: i["count"] for i in report["intents"]}
    assert counts["balance_inquiry"] == 2
    assert counts["transfer_funds"] == 2
    assert report["intents"][0]["count"] == max(counts.values())
    assert report["turns"] == sum(counts.values())
    assert 0 < report["fallback_rate"] <= 1
    assert 0 <= report["out_of_scope_rate"] <= 1
    assert sum(b["count"] for b in report["confidence_distribution"]) == report["turns"]
    transfers = next(t for t in report["tasks"] if t["intent"] == "transfer_funds")
    assert transfers["started"] == 2
    assert transfers["completed"] == 1
    assert transfers["cancelled"] == 1
    assert transfers["completion_rate"] == 0.5
    assert "abandonment_rate" in transfers
    assert report["feedback"] == [
        {"intent": "balance_inquiry", "ratings": 1, "helpful": 1, "helpful_rate": 1.0}
    ]


async def test_a_handoff_opens_a_ticket_that_operators_can_list(world: World) -> None:
    turn = await chat(world, text="I want to talk to a human")
    assert "ticket tkt_" in turn["replies"][0]["text"]
    response = await world.client.get("/api/v1/support/tickets", headers=world.auth("ops"))
    (ticket,) = (await response.json())["items"]
    assert ticket["customer_id"] == world.asha
    assert ticket["conversation_id"] == turn["conversation_id"]
    assert ticket["status"] == "open"


@pytest.mark.parametrize("path", ["/api/v1/assistant/analytics", "/api/v1/support/tickets"])
async def test_customers_may_not_see_operator_views(world: World, path: str) -> None:
    response = await world.client.get(path, headers=world.auth("asha"))
    assert response.status == 403


async def test_nlu_parse_shows_intent_ranking_and_entities_with_offsets(world: World) -> None:
    text = "send 5k to Ravi from savings"
    response = await world.client.post(
        "/api/v1/nlu/parse", json={"text": text}, headers=world.auth("asha")
    )
    assert response.status == 200
    result = await response.json()
    assert result["text"] == text
    assert result["intent"]["name"] == "transfer_funds"
    assert 0 < result["intent"]["confidence"] <= 1
    assert 1 <= len(result["ranking"]) <= 5
    assert result["ranking"][0]["name"] == "transfer_funds"
    amount = next(e for e in result["entities"] if e["type"] == "amount")
    assert set(amount) >= {"type", "value", "text", "start", "end"}
    assert text[amount["start"] : amount["end"]] == amount["text"] == "5k"


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:20]))
async def test_odd_messages_get_a_polite_reply_and_change_nothing(world: World, text: str) -> None:
    turn = await chat(world, text=text)
    assert turn["replies"] and all(r["text"] for r in turn["replies"])
    assert await savings_balance(world) == 2_45_000_00
    assert await world.count("accounts") >= 3


@pytest.mark.parametrize(
    "body",
    [
        {"text": "x" * 10_001},
        {"text": 42},
        {"text": ["balance"]},
        {"payload": 7},
        {"text": "hi", "payload": "/affirm"},
        {},
        {"conversation_id": "cnv_x"},
        {"text": "hi", "extra": 1},
    ],
    ids=["too-long", "number", "list", "payload-number", "both", "neither", "only-id", "unknown"],
)
async def test_malformed_chat_requests_are_422(world: World, body: dict[str, Any]) -> None:
    response = await world.client.post("/api/v1/chat", json=body, headers=world.auth("asha"))
    assert response.status == 422


async def test_a_transfer_confirmed_after_a_restart_is_sent_once(world: World) -> None:
    ask = await chat(world, text="send 1500 to Ravi")
    yes = button(ask, "Yes")
    asha = Customer(world.asha, "Asha Verma", "Asia/Kolkata")

    second = build(world.container.settings, clock=world.clock, nlu=world.container.nlu)
    await second.start()
    try:
        done = await second.assistant.handle(
            asha, payload=yes, conversation_id=ask["conversation_id"]
        )
        again = await second.assistant.handle(
            asha, payload=yes, conversation_id=ask["conversation_id"]
        )
    finally:
        await second.close()

    assert "Sent ₹1,500.00 to Ravi Kumar" in done.replies[0].text
    assert "Sent" not in again.replies[0].text
    assert await savings_balance(world) == 2_43_500_00
