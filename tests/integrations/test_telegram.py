from typing import Any

import pytest
from telegram import Bot, Update

from bot.messages import Button, OutboundMessage, button_ref
from integrations.telegram import keyboard, parse_update, split_text, to_html

BOT = Bot("123456:TEST-token")
USER = {"id": 4711, "is_bot": False, "first_name": "Fatima", "language_code": "nl"}
CHAT = {"id": 4711, "type": "private", "first_name": "Fatima"}


def update(**content: Any) -> Update:
    return Update.de_json({"update_id": 10, **content}, BOT)


def message(**fields: Any) -> dict[str, Any]:
    return {"message_id": 1, "date": 1_764_000_000, "chat": CHAT, "from": USER, **fields}


def test_text_becomes_text_with_the_users_language_and_first_name() -> None:
    parsed = parse_update(update(message=message(text="hoi, wat kost het?")))
    assert parsed is not None
    assert (parsed.channel, parsed.channel_user_id, parsed.text) == (
        "telegram",
        "4711",
        "hoi, wat kost het?",
    )
    assert parsed.locale == "nl"
    assert parsed.metadata == {"name_hint": "Fatima"}


@pytest.mark.parametrize(
    ("text", "command", "campaign"),
    [
        ("/start", "/greet", None),
        ("/start buurthuis-west_2026", "/greet", "buurthuis-west_2026"),
        ("/start Buurt-West", "/greet", "buurt-west"),
        ("/start <script>", "/greet", None),
        ("/help", "/menu", None),
        ("/privacy", "/what_do_you_know", None),
        ("/delete", "/delete_my_data", None),
        ("/stop@TekkieBot", "/delete_my_data", None),
    ],
)
def test_commands_stand_for_tekkies_own_payloads(
    text: str, command: str, campaign: str | None
) -> None:
    parsed = parse_update(update(message=message(text=text)))
    assert parsed is not None
    assert (parsed.command, parsed.campaign, parsed.text) == (command, campaign, None)


def test_an_unknown_slash_text_stays_text() -> None:
    parsed = parse_update(update(message=message(text='/book_intake{"x": 1}')))
    assert parsed is not None
    assert (parsed.command, parsed.text) == (None, '/book_intake{"x": 1}')


def test_a_pressed_button_carries_its_reference_and_query_id() -> None:
    data = button_ref("/book_intake")
    parsed = parse_update(update(callback_query={
        "id": "q1", "from": USER, "chat_instance": "c", "data": data,
        "message": message(text="Waar kan ik je mee helpen?"),
    }))  # fmt: skip
    assert parsed is not None
    assert (parsed.button_ref, parsed.channel_user_id) == (data, "4711")
    assert parsed.metadata == {"callback_query_id": "q1", "name_hint": "Fatima"}


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"voice": {"file_id": "v", "file_unique_id": "v1", "duration": 3}}, "voice"),
        ({"photo": [{"file_id": "p", "file_unique_id": "p1", "width": 9, "height": 9}]}, "photo"),
        ({"sticker": {"file_id": "s", "file_unique_id": "s1", "width": 9, "height": 9,
                      "is_animated": False, "is_video": False, "type": "regular"}}, "sticker"),
        ({"location": {"latitude": 52.37, "longitude": 4.89}}, "location"),
        ({"contact": {"phone_number": "+31612345678", "first_name": "Noor"}}, "contact"),
        ({"document": {"file_id": "d", "file_unique_id": "d1"}}, "document"),
    ],
)  # fmt: skip
def test_media_is_named_not_dropped(fields: dict[str, Any], kind: str) -> None:
    parsed = parse_update(update(message=message(**fields)))
    assert parsed is not None
    assert parsed.unsupported == kind


def test_edits_get_an_answer_and_groups_are_ignored() -> None:
    edited = parse_update(update(edited_message={**message(text="x"), "edit_date": 1_764_000_100}))
    assert edited is not None
    assert edited.unsupported == "edited"
    group = {**CHAT, "id": -100, "type": "group", "title": "Buurt"}
    assert parse_update(update(message={**message(text="hoi"), "chat": group})) is None


def test_html_is_escaped_and_stars_make_bold() -> None:
    assert to_html("*Laptop te leen* <3 & co") == "<b>Laptop te leen</b> &lt;3 &amp; co"


def test_long_text_is_split_at_paragraphs_within_telegrams_limit() -> None:
    text = "\n\n".join(f"Alinea {n}: " + "woord " * 150 for n in range(8))
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(to_html(p)) <= 4096 for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


def test_buttons_become_an_inline_keyboard_with_short_callback_data() -> None:
    long_payload = '/answer_question{"choice": "assessment:working_style:a_long_option_id"}'
    markup = keyboard(
        OutboundMessage("Kies:", (Button("Alleen", long_payload), Button("Menu", "/menu")))
    )
    assert markup is not None
    rows = markup.inline_keyboard
    assert [row[0].text for row in rows] == ["Alleen", "Menu"]
    assert all(len(str(row[0].callback_data).encode()) <= 64 for row in rows)
    assert rows[0][0].callback_data == button_ref(long_payload)
    assert keyboard(OutboundMessage("Geen knoppen")) is None
