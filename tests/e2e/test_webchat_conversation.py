"""Conversations through POST /api/webchat/messages against real Rasa, actions and app."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import LOOPBACK
from tests.support.stack import Stack, listening_addresses

MENU = ["/ask_careers", "/ask_assessment", "/ask_support", "/book_intake", "/talk_to_person"]


def payloads(message: dict) -> list[str]:
    return [b["payload"] for b in message["buttons"]]


def test_dutch_greeting_has_privacy_notice_and_menu(stack: Stack, sender: str) -> None:
    greeting, menu = stack.say(sender, text="hoi")
    assert greeting["text"].startswith("Hoi!")
    assert f"{stack.app_url}/privacy" in greeting["text"]
    assert menu["text"] == "Waar kan ik je mee helpen?"
    assert payloads(menu) == MENU
    assert menu["buttons"][0]["title"] == "💼 Banen in de IT"


def test_english_greeting_in_english(stack: Stack, sender: str) -> None:
    greeting, menu = stack.say(sender, text="hello")
    assert greeting["text"].startswith("Hi!")
    assert "privacy" in greeting["text"].lower()
    assert menu["text"] == "What can I help you with?"
    assert payloads(menu) == MENU
    assert "🙋 Talk to a person" in [b["title"] for b in menu["buttons"]]


def test_the_privacy_link_works(stack: Stack) -> None:
    page = httpx.get(f"{stack.app_url}/privacy")
    assert page.status_code == 200
    assert "Privacy" in page.text


def test_switching_language_on_request_and_back(stack: Stack, sender: str) -> None:
    stack.say(sender, text="hoi")
    switched, menu = stack.say(sender, text="English please")
    assert "English" in switched["text"]
    assert menu["text"] == "What can I help you with?"
    careers = stack.say(sender, payload="/ask_careers")
    assert "Software developer" in careers[0]["text"]  # stays English on a button press
    back = stack.say(sender, text="Nederlands")
    assert "Nederlands" in back[0]["text"]
    assert back[1]["text"] == "Waar kan ik je mee helpen?"


def test_a_switch_asked_in_dutch_words_holds_for_the_apps_own_replies(
    stack: Stack, sender: str
) -> None:
    """Rasa's switch is the conversation's language: the app learns it from Rasa's answer."""
    stack.say(sender, text="hoi")
    switched = stack.say(sender, text="Engels graag")  # Dutch words: the app alone says "nl"
    assert switched[-1]["text"] == "What can I help you with?"
    refused = stack.send(sender, payload="/no_such_button")  # answered by the app, not Rasa
    assert refused.status_code == 409
    assert "button" in refused.json()["detail"]


def test_replies_follow_the_language_the_prospect_writes_in(stack: Stack, sender: str) -> None:
    stack.say(sender, text="hoi")
    answer = stack.say(sender, text="can I talk to a person?")
    assert "someone from the school" in answer[0]["text"]


def test_talking_to_a_person_hands_over_and_tekkie_goes_quiet(stack: Stack, sender: str) -> None:
    for greeting, start in (
        ("hoi", "Goed idee! Ik geef je door aan een collega van de school."),
        ("hello", "Good idea! I'm passing you on to someone from the school."),
    ):
        conversation = f"{sender}-{greeting}"
        stack.say(conversation, text=greeting)
        (answer,) = stack.say(conversation, payload="/talk_to_person")
        assert answer["text"].startswith(start)
        assert stack.say(conversation, text="menu") == []  # a colleague answers from now on


@pytest.mark.parametrize(
    ("payload", "dutch", "english"),
    [
        (
            "/ask_assessment",
            "Leuk! Ik stel je 8 korte vragen",
            "Great! I'll ask you 8 short questions",
        ),
        ("/ask_support", "Ik stel je 5 korte vragen", "I'll ask you 5 short questions"),
    ],
)
def test_the_menus_checks_start_in_the_prospects_language(
    stack: Stack, sender: str, payload: str, dutch: str, english: str
) -> None:
    for greeting, intro in (("hoi", dutch), ("hello", english)):
        conversation = f"{sender}-{greeting}"
        stack.say(conversation, text=greeting)
        answer, first = stack.say(conversation, payload=payload)
        assert answer["text"].startswith(intro)
        assert first["text"].startswith("(1/")
        assert first["buttons"]


def test_typed_menu_choices_are_understood(stack: Stack, sender: str) -> None:
    answer = stack.say(sender, text="welke opleiding past bij mij?")
    assert answer[0]["text"].startswith("Leuk! Ik stel je 8 korte vragen")
    stack.say(sender, text="menu")
    answer = stack.say(sender, text="financial support please")
    assert answer[0]["text"].startswith("I'll ask you 5 short questions")


@pytest.mark.parametrize(("greeting", "sorry"), [("hoi", "Sorry, dat"), ("hello", "Sorry, I")])
def test_fallback_is_friendly_and_offers_the_menu(
    stack: Stack, sender: str, greeting: str, sorry: str
) -> None:
    stack.say(sender, text=greeting)
    (fallback,) = stack.say(sender, text="qwzx plorf vrrmb")
    assert fallback["text"].startswith(sorry)
    assert payloads(fallback) == MENU


@pytest.mark.parametrize(
    ("request_text", "decline"),
    [
        # How well such requests are recognised is measured by `make eval`; this is the path.
        ("kun je een mop vertellen?", "Ik help alleen met vragen over de opleiding"),
        ("write a rap song about my dog please", "I only help with questions about the training"),
    ],
)
def test_a_request_outside_the_schools_business_is_declined_kindly(
    stack: Stack, sender: str, request_text: str, decline: str
) -> None:
    (reply,) = stack.say(sender, text=request_text)
    assert decline in reply["text"]
    assert payloads(reply) == MENU


def test_school_facts_are_answered_from_the_content(stack: Stack, sender: str) -> None:
    stack.say(sender, text="hoi")
    where, *_ = stack.say(sender, text="op welke plek staat jullie gebouw?")
    if "Stationsplein" not in where["text"]:  # a close call: one "ja" away, never a wrong answer
        assert where["text"].startswith("Ik weet niet zeker wat je bedoelt. 🤔 Bedoel je")
        where, *_ = stack.say(sender, text="ja")  # the closest question, typed as a prospect would
    assert "Stationsplein" in where["text"]  # then "Had je hier iets aan?" (the first answer)
    intake, *_ = stack.say(sender, text="wat betekent dat woord intake eigenlijk?")
    assert "gratis eerste gesprek" in intake["text"]  # explained, not a booking started


def test_a_compound_worry_is_answered_in_both_parts(stack: Stack, sender: str) -> None:
    """The issue's own example: age and diploma, two answers, in either order."""
    stack.say(sender, text="hoi")
    said = " ".join(m["text"] for m in stack.say(sender, text="ik ben 52 en heb geen diploma"))
    assert "je bent niet te oud" in said
    assert "Je hebt geen diploma nodig" in said


def test_a_message_in_turkish_is_answered_in_turkish(stack: Stack, sender: str) -> None:
    text = "Merhaba, bu kurs hakk\u0131nda daha fazla bilgi alabilir miyim?"
    (reply,) = stack.say(sender, text=text)
    assert reply["text"].startswith("Merhaba! Ben Tekkie")
    (person,) = reply["buttons"]
    assert person["payload"] == '/talk_to_person{"spoken_language": "tr"}'  # named for staff
    (asked,) = stack.say(sender, payload=person["payload"])
    assert "collega" in asked["text"] or "colleague" in asked["text"]


def test_a_button_payload_is_accepted_only_after_it_was_offered(stack: Stack, sender: str) -> None:
    refused = stack.send(sender, payload="/book_intake", locale="en-GB")
    assert refused.status_code == 409
    assert "button" in refused.json()["detail"]
    stack.say(sender, text="hello")
    assert stack.send(sender, payload="/book_intake").status_code == 200
    forged = stack.send(sender, payload='/book_intake{"slot": 1}')
    assert forged.status_code == 409


def test_typed_rasa_payloads_are_plain_text(stack: Stack, sender: str) -> None:
    stack.say(sender, text="hoi")
    stack.say(sender, text='/greet{"language": "en"}')
    latest = stack.tracker(sender)["latest_message"]
    assert latest["text"] == 'greet{"language": "en"}'
    assert len(latest["intent_ranking"]) > 1  # classified by NLU, not unpacked as an intent
    assert all(e.get("extractor") != "RegexMessageHandler" for e in latest["entities"])


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": "   "}, 422),
        ({"text": "x" * 2001}, 422),
        ({}, 422),
        ({"text": "hoi", "payload": "/greet"}, 422),
    ],
)
def test_bad_input_gets_a_clear_error(stack: Stack, sender: str, body: dict, status: int) -> None:
    response = stack.send(sender, **body)
    assert response.status_code == status
    assert isinstance(response.json()["detail"], str)
    assert response.json()["detail"]


def test_bad_sender_id_is_refused(stack: Stack) -> None:
    response = stack.send("../../etc/passwd", text="hoi")
    assert response.status_code == 422


def test_health_reports_every_dependency(stack: Stack) -> None:
    body = httpx.get(f"{stack.app_url}/health").json()
    expected = {"status": "ok", "database": "up", "rasa": "up", "actions": "up"}
    if stack.settings.redis_url:
        expected["redis"] = "up"
    assert {k: v for k, v in body.items() if k != "processes"} == expected
    assert {p["state"] for p in body["processes"].values()} == {"running"}  # under tekkie run


def test_rasa_and_actions_listen_on_loopback_only(stack: Stack) -> None:
    for port in (stack.settings.rasa_port, stack.settings.action_port):
        addresses = listening_addresses(port)
        assert addresses
        assert addresses <= LOOPBACK


def test_rasa_refuses_requests_without_the_token(stack: Stack) -> None:
    rasa = stack.settings.rasa_url
    assert httpx.get(f"{rasa}/status").status_code == 401
    assert httpx.get(f"{rasa}/status", params={"token": "wrong"}).status_code == 401
    webhook = f"{rasa}/webhooks/tekkie/webhook"
    body = {"sender": "intruder", "message": "hoi"}
    assert httpx.post(webhook, json=body).status_code == 401
    wrong = {"Authorization": "Bearer wrong"}
    assert httpx.post(webhook, json=body, headers=wrong).status_code == 401
    assert httpx.post(f"{rasa}/webhooks/rest/webhook", json=body).status_code == 404


def test_chat_page_is_served(stack: Stack) -> None:
    page = httpx.get(f"{stack.app_url}/")
    assert page.status_code == 200
    assert 'id="chat-input"' in page.text
    assert httpx.get(f"{stack.app_url}/static/chat.js").status_code == 200


def test_conversation_state_is_kept_in_the_configured_tracker_store(
    stack: Stack, sender: str
) -> None:
    stack.say(sender, text="hello")
    stack.say(sender, text="ok")
    redis_url = stack.settings.redis_url
    if redis_url is None:  # embedded default: Rasa's own SQLite file
        assert stack.settings.rasa_tracker_db.stat().st_size > 0
        return
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = [k.decode() for k in client.scan_iter(f"{stack.settings.redis_key_prefix}:*")]
    client.close()
    assert any(key.endswith(f"webchat:{sender}") for key in keys), keys
