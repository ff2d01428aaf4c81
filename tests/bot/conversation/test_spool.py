"""The on-disk spool for channel messages that arrive while the database is down."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

import pytest

from bot.conversation import spool as spool_module
from bot.conversation.spool import InboundSpool
from bot.messages import InboundMessage


def whatsapp(text: str, user: str = "+31612345678", **fields: Any) -> InboundMessage:
    return InboundMessage(channel="whatsapp", channel_user_id=user, text=text, **fields)


@pytest.fixture
def spool(tmp_path: Path) -> InboundSpool:
    return InboundSpool(tmp_path / "spool")


def test_a_kept_message_comes_back_as_it_was_put(spool: InboundSpool, tmp_path: Path) -> None:
    message = whatsapp(
        "Wat kost een cursus?", campaign="zomer", locale="nl", metadata={"profile": "Anna"}
    )
    path = spool.put("SM1", message)
    assert path.parent == tmp_path / "spool"
    assert path.suffix == ".json"
    assert spool.waiting() == [(path, "SM1", message)]
    assert len(spool) == 1


def test_kept_messages_come_back_oldest_first(spool: InboundSpool, tmp_path: Path) -> None:
    texts = ["hoi", "ben je er?", "ik wil me aanmelden", "voor de zomercursus"]
    for number, text in enumerate(texts):
        spool.put(f"SM{number}", whatsapp(text))  # within one timestamp tick, often
    waiting = spool.waiting()
    assert [external_id for _, external_id, _ in waiting] == ["SM0", "SM1", "SM2", "SM3"]
    assert [message.text for _, _, message in waiting] == texts


def test_kept_messages_keep_their_order_when_the_clock_steps_back(spool: InboundSpool) -> None:
    first = spool.put("SMa", whatsapp("hoi"))
    second = spool.put("SMb", whatsapp("ben je er?"))
    stamp = first.stat().st_mtime_ns
    os.utime(second, ns=(stamp - 10**9, stamp - 10**9))  # NTP stepped the clock back 1 s
    assert [external_id for _, external_id, _ in spool.waiting()] == ["SMa", "SMb"]


def test_a_redelivered_message_is_kept_once(spool: InboundSpool) -> None:
    first = spool.put("SM1", whatsapp("hoi"))
    again = spool.put("SM1", whatsapp("hoi"))
    assert again == first
    assert len(spool) == 1
    other_channel = InboundMessage(channel="telegram", channel_user_id="4711", text="hoi")
    spool.put("SM1", other_channel)  # the same id on another channel is another message
    assert len(spool) == 2


def test_an_empty_spool_has_nothing_waiting_and_creates_no_directory(tmp_path: Path) -> None:
    spool = InboundSpool(tmp_path / "spool")
    assert spool.waiting() == []
    assert len(spool) == 0
    assert not (tmp_path / "spool").exists()


@pytest.mark.parametrize(
    "content",
    [
        b'{"external_id": "SMx", "message": {"channel": "whats',  # half a file
        b"not json at all",
        b"\xff\xfe\x00",  # not UTF-8
        b'{"external_id": "SMx"}',  # no message
        b'{"external_id": "SMx", "message": {"text": "hoi"}}',  # no channel or user
        b"[]",
    ],
)
def test_a_damaged_file_is_skipped_but_kept_on_disk_and_counted(
    spool: InboundSpool, tmp_path: Path, content: bytes
) -> None:
    good = spool.put("SM1", whatsapp("hoi"))
    damaged = tmp_path / "spool" / "whatsapp-damaged.json"
    damaged.write_bytes(content)
    assert spool.waiting() == [(good, "SM1", whatsapp("hoi"))]
    assert damaged.read_bytes() == content  # left for a person to look at
    assert len(spool) == 2  # the spool does not look empty while it still holds it


def test_a_temporary_file_left_by_a_crash_is_not_a_message(
    spool: InboundSpool, tmp_path: Path
) -> None:
    directory = tmp_path / "spool"
    directory.mkdir()
    leftover = directory / "whatsapp-0123.tmp"
    leftover.write_bytes(b'{"external_id": "SMx", "mess')
    assert spool.waiting() == []
    assert len(spool) == 0
    assert leftover.exists()


def test_a_message_is_written_to_a_temporary_file_flushed_and_then_renamed(
    spool: InboundSpool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the file is being written, no reader can see a part of it."""
    seen: list[tuple[str, list[object], bool]] = []

    def fsync(fd: int) -> None:
        written = Path(f"/proc/self/fd/{fd}").readlink()
        seen.append((written.suffix, list(spool.waiting()), written.read_bytes().endswith(b"}")))
        os.fsync(fd)

    monkeypatch.setattr(spool_module, "os", SimpleNamespace(fsync=fsync))
    path = spool.put("SM1", whatsapp("hoi"))
    assert seen == [(".tmp", [], True)]  # complete and on disk before it gets its name
    assert spool.waiting() == [(path, "SM1", whatsapp("hoi"))]
    assert sorted(p.name for p in (tmp_path / "spool").iterdir()) == [path.name]


def test_a_write_that_fails_halfway_leaves_the_kept_copy_whole(
    spool: InboundSpool, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = spool.put("SM1", whatsapp("hoi"))

    def dump(data: object, file: IO[str]) -> None:
        file.write('{"external_id": "SM2", "message": {"chan')
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(spool_module, "json", SimpleNamespace(dump=dump, loads=json.loads))
    with pytest.raises(OSError, match="No space"):
        spool.put("SM2", whatsapp("hoi, nog een keer"))  # the half file is never read
    assert spool.waiting() == [(kept, "SM1", whatsapp("hoi"))]


def test_a_disk_that_refuses_raises(tmp_path: Path) -> None:
    blocked = tmp_path / "spool"
    blocked.write_text("a file where the directory should be")
    with pytest.raises(OSError, match="File exists"):
        InboundSpool(blocked).put("SM1", whatsapp("hoi"))
