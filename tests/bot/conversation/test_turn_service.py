"""A turn as the prospect meets it: buttons checked, language kept, one read and one write.

Rasa is a stand-in here (the end-to-end tests use the real one); the database is real.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.inbound import InboundPipeline
from bot.conversation.rasa import RasaReply
from bot.conversation.turn import ConversationService, TurnRefusedError
from bot.db.repositories import conversations as repo
from bot.learning import questions
from bot.messages import Button, InboundMessage, OutboundMessage, button_ref


class Transactions:
    """Counts the database transactions the engine begins."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "begin", self._begun)

    def _begun(self, _connection: object) -> None:
        self.count += 1


class StandInRasa:
    """Answers every message with `reply`; notes what it got and how many transactions ran."""

    def __init__(self, transactions: Transactions) -> None:
        self.transactions = transactions
        self.reply = RasaReply([OutboundMessage(text="Kies een tijd.", buttons=(
            Button("Maandag 10:00", "/choose_slot{\"slot_id\": 1}"),
            Button("Dinsdag 14:00", "/choose_slot{\"slot_id\": 2}"),
        ))])  # fmt: skip
        self.texts: list[str] = []
        self.metadata: list[dict[str, Any]] = []
        self.transactions_before: list[int] = []

    async def send(self, *, sender_id: str, text: str, metadata: Any = None) -> RasaReply:
        self.texts.append(text)
        self.metadata.append(dict(metadata or {}))
        self.transactions_before.append(self.transactions.count)
        return self.reply

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        raise AssertionError("not handed off in these tests")


@pytest.fixture
def transactions(sessions: sessionmaker[Session]) -> Transactions:
    engine = sessions.kw["bind"]
    assert isinstance(engine, Engine)
    return Transactions(engine)


@pytest.fixture
def rasa(transactions: Transactions) -> StandInRasa:
    return StandInRasa(transactions)


@pytest.fixture
def service(sessions: sessionmaker[Session], rasa: StandInRasa) -> ConversationService:
    return ConversationService(
        sessions=sessions, rasa=rasa, record_question=questions.record_other_language
    )


def web(text: str | None = None, **fields: Any) -> InboundMessage:
    return InboundMessage(channel="webchat", channel_user_id="u1", text=text, **fields)


async def test_a_web_chat_turn_reads_once_before_rasa_and_writes_once_after(
    service: ConversationService, rasa: StandInRasa, transactions: Transactions
) -> None:
    await service.handle(web("hoi"))  # the conversation exists from now on
    start = transactions.count
    await service.handle(web("wat kost de opleiding?"))
    assert rasa.transactions_before[-1] - start == 1
    assert transactions.count - start == 2


async def test_a_channel_turn_reads_once_before_rasa_and_writes_once_after(
    sessions: sessionmaker[Session], service: ConversationService, rasa: StandInRasa,
    transactions: Transactions,
) -> None:  # fmt: skip
    delivered: list[int] = []

    async def deliver(ids: list[int]) -> None:
        delivered.extend(ids)

    pipeline = InboundPipeline(sessions=sessions, conversations=service, deliver=deliver)
    message = InboundMessage(channel="telegram", channel_user_id="4711", text="hoi")
    assert await pipeline.accept("update-1", message)
    start = transactions.count
    await pipeline.drain("telegram", "4711")
    # one read: the message and its turn; one write: the turn, the message done, the reply;
    # then one more read finds nothing left to handle
    assert rasa.transactions_before[-1] - start == 1
    assert transactions.count - start == 3
    assert len(delivered) == 1


async def test_the_language_rasa_ends_with_is_the_conversations_language(
    sessions: sessionmaker[Session], service: ConversationService, rasa: StandInRasa
) -> None:
    await service.handle(web("hoi"))
    assert rasa.metadata[-1]["language"] == "nl"
    rasa.reply = RasaReply([OutboundMessage(text="Sure, in English.")], language="en")
    await service.handle(web("in het Engels graag"))  # Rasa's switch_language said so
    with sessions() as session:
        found = repo.find_conversation(session, channel="webchat", channel_user_id="u1")
        assert found is not None
        assert found.language == "en"
    await service.handle(web("ok"))  # unclear: the conversation's language holds
    assert rasa.metadata[-1]["language"] == "en"


async def test_an_offered_button_goes_to_rasa_and_an_unknown_one_is_refused(
    service: ConversationService, rasa: StandInRasa
) -> None:
    await service.handle(web("ik wil een afspraak"))
    await service.handle(web(payload='/choose_slot{"slot_id": 2}'))
    assert rasa.texts[-1] == '/choose_slot{"slot_id": 2}'
    with pytest.raises(TurnRefusedError) as refused:
        await service.handle(web(payload='/choose_slot{"slot_id": 99}'))
    assert refused.value.reason == "stale_button"
    assert "knop" in refused.value.reply.lower() or "button" in refused.value.reply.lower()


async def test_a_first_message_with_a_button_is_refused_without_storing_anything(
    sessions: sessionmaker[Session], service: ConversationService, rasa: StandInRasa
) -> None:
    with pytest.raises(TurnRefusedError):
        await service.handle(web(payload="/book_intake"))
    assert rasa.texts == []
    with sessions() as session:
        assert repo.find_conversation(session, channel="webchat", channel_user_id="u1") is None


@pytest.mark.parametrize(("typed", "chosen"), [("2", 2), ("2.", 2), ("maandag 10:00", 1)])
async def test_a_typed_number_or_option_chooses_from_the_latest_options(
    service: ConversationService, rasa: StandInRasa, typed: str, chosen: int
) -> None:
    whatsapp = {"channel": "whatsapp", "channel_user_id": "+31612345678"}
    await service.handle(InboundMessage(**whatsapp, text="afspraak"))
    await service.handle(InboundMessage(**whatsapp, text=typed, numbered_choices=True))
    assert rasa.texts[-1] == f'/choose_slot{{"slot_id": {chosen}}}'


DID_YOU_MEAN = RasaReply([OutboundMessage(text="Bedoel je een van deze vragen?", buttons=(
    Button("Waar zitten jullie?", "waar zitten jullie"),
    Button("Wordt de bus vergoed?", "wordt de bus vergoed"),
    Button("Nee, iets anders", "/something_else"),
))])  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("ja", "waar zitten jullie"), ("Ja klopt!", "waar zitten jullie"),
     ("yes", "waar zitten jullie"), ("nee", "/something_else"),
     ("wordt de bus vergoed?", "wordt de bus vergoed")],
)  # fmt: skip
async def test_a_typed_yes_to_did_you_mean_takes_the_closest_question(
    service: ConversationService, rasa: StandInRasa, typed: str, meant: str
) -> None:
    rasa.reply = DID_YOU_MEAN
    await service.handle(web("hoe kom ik bij jullie"))
    await service.handle(web(typed))
    assert rasa.texts[-1] == meant


async def test_yes_means_itself_after_other_buttons(
    service: ConversationService, rasa: StandInRasa
) -> None:
    await service.handle(web("afspraak"))  # offers the times, not "Bedoel je ...?"
    await service.handle(web("ja"))
    assert rasa.texts[-1] == "ja"


async def test_a_button_reference_stands_for_the_offered_payload(
    service: ConversationService, rasa: StandInRasa
) -> None:
    telegram = {"channel": "telegram", "channel_user_id": "4711"}
    await service.handle(InboundMessage(**telegram, text="afspraak"))
    ref = button_ref('/choose_slot{"slot_id": 1}')
    await service.handle(InboundMessage(**telegram, button_ref=ref))
    assert rasa.texts[-1] == '/choose_slot{"slot_id": 1}'


async def test_an_empty_answer_from_rasa_is_an_apology_unless_it_paused(
    service: ConversationService, rasa: StandInRasa
) -> None:
    rasa.reply = RasaReply([])
    assert "sorry" in (await service.handle(web("hoi")))[0].text.lower()
    rasa.reply = RasaReply([], paused=True)
    assert await service.handle(web("ik wil een mens spreken")) == []


async def test_another_language_is_answered_in_it_without_rasa_and_offers_a_person(
    service: ConversationService, rasa: StandInRasa
) -> None:
    (reply,) = await service.handle(web("Merhaba, yazılım eğitimi hakkında bilgi almak istiyorum"))  # noqa: RUF001
    assert reply.text.startswith("Merhaba! Ben Tekkie")
    assert "Ik spreek Nederlands en Engels." in reply.text
    assert rasa.texts == []  # Rasa would have guessed a Dutch intent
    (person,) = reply.buttons
    assert person.payload == '/talk_to_person{"spoken_language": "tr"}'  # staff see the language
    await service.handle(web(payload=person.payload))  # the offered button works
    assert rasa.texts == [person.payload]


async def test_a_question_in_another_language_is_recorded_for_staff(
    service: ConversationService, sessions: sessionmaker[Session]
) -> None:
    await service.handle(web("Merhaba, yazılım eğitimi hakkında bilgi almak istiyorum"))  # noqa: RUF001
    with sessions() as session:
        (view,) = questions.overview(session)
    assert (view.group.language, view.reason, view.group.count) == ("tr", "other_language", 1)
    assert view.title.startswith("Merhaba, yazılım")  # noqa: RUF001


async def test_the_reply_stands_when_the_question_cannot_be_recorded(
    service: ConversationService, sessions: sessionmaker[Session]
) -> None:
    """Recording fails at that moment: the prospect's turn and its buttons are kept all the same."""
    with sessions.begin() as session:
        session.execute(sql_text("DROP TABLE unanswered_questions"))
    (reply,) = await service.handle(web("Merhaba, yazılım eğitimi hakkında bilgi almak istiyorum"))  # noqa: RUF001
    assert reply.text.startswith("Merhaba! Ben Tekkie")
    with sessions() as session:
        conversation = repo.find_conversation(session, channel="webchat", channel_user_id="u1")
        assert conversation is not None
        assert [b.payload for b in repo.last_turn_buttons(session, conversation=conversation)] == [
            '/talk_to_person{"spoken_language": "tr"}'
        ]
