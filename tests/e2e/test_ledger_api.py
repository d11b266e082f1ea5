"""The audit log over HTTP, checked by the offline verifier and by Swayam in chat."""

from __future__ import annotations

import json
from pathlib import Path

from domain.ledger.verify import main as verify_main
from tests.e2e.conftest import World


async def _transfer(world: World, key: str = "t1", minor: int = 750_00) -> str:
    resp = await world.client.post(
        "/api/v1/transfers",
        headers=world.pay("asha", key),
        json={
            "from_account_id": world.asha_savings,
            "to_account_id": world.asha_current,
            "amount": {"minor": minor},
        },
    )
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


async def _seq_of(world: World, transfer_id: str) -> int:
    resp = await world.client.get("/api/v1/ledger/audit?type=transfer", headers=world.auth("asha"))
    items = (await resp.json())["items"]
    return next(int(i["seq"]) for i in items if i["subject_id"] == transfer_id)


async def test_an_entry_proof_verifies_offline_with_only_the_key_checkpoint_and_proof(
    world: World, tmp_path: Path
) -> None:
    transfer_id = await _transfer(world)
    seq = await _seq_of(world, transfer_id)
    entry = await world.client.get(f"/api/v1/ledger/entries/{seq}", headers=world.auth("asha"))
    assert entry.status == 200
    doc = await entry.json()
    assert set(doc) == {"seq", "entry", "leaf_hash", "proof", "checkpoint"}
    assert set(doc["proof"]) == {"leaf_index", "tree_size", "root_hash", "hashes"}
    assert json.loads(doc["entry"])["transfer_id"] == transfer_id
    # The key and the checkpoint come without a token, as an auditor would fetch them.
    key = await world.client.get("/api/v1/ledger/public-key")
    note = await world.client.get("/api/v1/ledger/checkpoint")
    assert key.status == note.status == 200
    files = {
        "key.json": await key.text(),
        "checkpoint.txt": await note.text(),
        "proof.json": json.dumps(doc),
    }
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    args = [
        "--public-key",
        str(tmp_path / "key.json"),
        "--checkpoint",
        str(tmp_path / "checkpoint.txt"),
        "--proof",
        str(tmp_path / "proof.json"),
    ]
    assert verify_main(args) == 0
    forged = dict(doc, entry=doc["entry"].replace('"amount":75000', '"amount":7500'))
    (tmp_path / "proof.json").write_text(json.dumps(forged))
    assert verify_main(args) == 1


async def test_an_older_proof_verifies_against_a_newer_checkpoint_through_consistency(
    world: World,
) -> None:
    from domain.ledger import merkle
    from domain.ledger.checkpoint import PublicKey, open_checkpoint

    first = await _seq_of(world, await _transfer(world, "a"))
    old = await (
        await world.client.get(f"/api/v1/ledger/entries/{first}", headers=world.auth("asha"))
    ).json()
    await _transfer(world, "b")
    await world.container.ledger.checkpoint()
    note = await (await world.client.get("/api/v1/ledger/checkpoint")).text()
    keys = [
        PublicKey.parse(k["verifier_key"]) for k in world.container.ledger.public_keys()["keys"]
    ]
    new = open_checkpoint(note, keys).checkpoint
    resp = await world.client.get(
        f"/api/v1/ledger/consistency?from={old['proof']['tree_size']}&to={new.size}",
        headers=world.auth("asha"),
    )
    proof = await resp.json()
    merkle.verify_consistency(
        old["proof"]["tree_size"],
        new.size,
        bytes.fromhex(old["proof"]["root_hash"]),
        new.root,
        [bytes.fromhex(h) for h in proof["hashes"]],
    )


async def test_customers_see_only_their_own_entries_and_operators_see_any(world: World) -> None:
    await _transfer(world)
    mine = await (await world.client.get("/api/v1/ledger/audit", headers=world.auth("asha"))).json()
    assert mine["items"] and {i["customer_id"] for i in mine["items"]} == {world.asha}
    vikram_seq = (
        await (await world.client.get("/api/v1/ledger/audit", headers=world.auth("vikram"))).json()
    )["items"][0]["seq"]
    hidden = await world.client.get(
        f"/api/v1/ledger/entries/{vikram_seq}", headers=world.auth("asha")
    )
    assert hidden.status == 404
    other = await world.client.get(
        f"/api/v1/ledger/audit?customer_id={world.vikram}", headers=world.auth("asha")
    )
    assert other.status == 404
    ops = await world.client.get(
        f"/api/v1/ledger/audit?customer_id={world.vikram}", headers=world.auth("ops")
    )
    assert {i["customer_id"] for i in (await ops.json())["items"]} == {world.vikram}
    stats = await (await world.client.get("/api/v1/ledger/stats", headers=world.auth("ops"))).json()
    assert stats["by_type"]["transfer"] >= 4


async def test_bad_ledger_requests_get_clear_errors(world: World) -> None:
    cases = {
        "/api/v1/ledger/entries/abc": "invalid_seq",
        "/api/v1/ledger/entries/-1": "invalid_seq",
        "/api/v1/ledger/entries/999999": "ledger_entry_not_found",
        "/api/v1/ledger/consistency?from=5": "missing_query",
        "/api/v1/ledger/consistency?from=9&to=2": "invalid_range",
        "/api/v1/ledger/consistency?from=0&to=99999": "invalid_range",
        "/api/v1/ledger/audit?limit=0": "invalid_query",
        "/api/v1/ledger/audit?before=x": "invalid_seq",
    }
    for path, code in cases.items():
        resp = await world.client.get(path, headers=world.auth("ops"))
        assert 400 <= resp.status < 500, path
        assert (await resp.json())["error"]["code"] == code, path
    assert (await world.client.get("/api/v1/ledger/audit")).status == 401


async def test_swayam_verifies_the_last_transfer_in_chat(world: World) -> None:
    transfer_id = await _transfer(world, minor=1_234_00)
    seq = await _seq_of(world, transfer_id)
    for text in ("verify my last transfer", f"is {transfer_id} recorded?"):
        resp = await world.client.post(
            "/api/v1/chat", headers=world.auth("asha"), json={"text": text}
        )
        assert resp.status == 200, await resp.text()
        reply = (await resp.json())["replies"][0]["text"]
        assert reply.startswith("Verified: your transfer of ₹1,234.00"), (text, reply)
        assert f"entry {seq} in the bank's audit log" in reply
        assert "signed checkpoint" in reply


async def test_swayam_says_plainly_when_a_reference_is_not_in_the_log(world: World) -> None:
    resp = await world.client.post(
        "/api/v1/chat",
        headers=world.auth("vikram"),
        json={"text": "is trf_01JD3Q7ZK2V1N8X4R6T0Y5B9CM recorded?"},
    )
    reply = (await resp.json())["replies"][0]["text"]
    assert reply == "I can't find trf_01JD3Q7ZK2V1N8X4R6T0Y5B9CM in the audit log of your account."
