"""Signed checkpoints in the C2SP signed-note form, and the keys that sign them."""

from __future__ import annotations

import base64
import hashlib

import pytest

from domain.ledger.checkpoint import (
    Checkpoint,
    InvalidNote,
    PublicKey,
    Signer,
    key_id,
    open_checkpoint,
)

SIGNER = Signer("example.com/log", bytes(range(32)))
ROOT = hashlib.sha256(b"root").digest()
CP = Checkpoint("example.com/log", 1234, ROOT)


def test_the_body_is_origin_size_and_base64_root_one_a_line() -> None:
    assert CP.body() == f"example.com/log\n1234\n{base64.b64encode(ROOT).decode()}\n"


def test_the_key_id_is_the_first_four_bytes_of_the_hash_of_name_newline_type_and_key() -> None:
    pub = SIGNER.public.key
    expected = hashlib.sha256(b"example.com/log\n\x01" + pub).digest()[:4]
    assert key_id("example.com/log", pub) == expected == SIGNER.public.id


def test_a_signed_note_has_a_blank_line_then_an_em_dash_signature_line() -> None:
    note = CP.sign(SIGNER)
    body, sig_line = note.split("\n\n")
    assert body + "\n" == CP.body()
    assert sig_line.startswith("— example.com/log ")
    blob = base64.b64decode(sig_line.split(" ")[-1])
    assert len(blob) == 68 and blob[:4] == SIGNER.public.id
    assert SIGNER.public.verify(CP.body().encode(), blob[4:])


def test_a_signed_checkpoint_opens_with_its_public_key() -> None:
    opened = open_checkpoint(CP.sign(SIGNER), [SIGNER.public], origin="example.com/log")
    assert opened.checkpoint == CP
    assert opened.key_id == SIGNER.public.id


def test_a_checkpoint_signed_by_an_unknown_key_is_refused() -> None:
    other = Signer.generate("example.com/log")
    with pytest.raises(InvalidNote, match="not signed by any known key"):
        open_checkpoint(CP.sign(other), [SIGNER.public])


def test_a_checkpoint_for_another_log_is_refused() -> None:
    with pytest.raises(InvalidNote, match="not 'other/log'"):
        open_checkpoint(CP.sign(SIGNER), [SIGNER.public], origin="other/log")


def test_changing_any_byte_of_a_signed_note_breaks_it() -> None:
    note = CP.sign(SIGNER).encode()
    for i in range(len(note)):
        changed = bytearray(note)
        changed[i] ^= 0x01
        try:
            text = changed.decode()
        except UnicodeDecodeError:
            continue
        with pytest.raises(InvalidNote):
            open_checkpoint(text, [SIGNER.public], origin="example.com/log")


def test_keys_round_trip_through_their_text_forms() -> None:
    vkey = SIGNER.public.verifier_key()
    assert vkey.startswith(f"example.com/log+{SIGNER.public.id_hex}+")
    assert PublicKey.parse(vkey) == SIGNER.public
    assert Signer.parse(SIGNER.private_key()) == SIGNER


@pytest.mark.parametrize(
    "text",
    ["nope", "a+b", "example.com/log+00000000+" + base64.b64encode(b"\x01" + b"k" * 32).decode()],
)
def test_malformed_or_mislabelled_verifier_keys_are_refused(text: str) -> None:
    with pytest.raises(InvalidNote):
        PublicKey.parse(text)


@pytest.mark.parametrize(
    "note",
    [
        "",
        "example.com/log\n12\n",
        "example.com/log\n012\nAAAA\n\n— k AAAA\n",
        "example.com/log\n12\n" + base64.b64encode(b"short").decode() + "\n\n— k AAAAAAAA\n",
    ],
)
def test_malformed_notes_are_refused(note: str) -> None:
    with pytest.raises(InvalidNote):
        open_checkpoint(note, [SIGNER.public])
