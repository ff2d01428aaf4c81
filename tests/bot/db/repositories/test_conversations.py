from sqlalchemy.orm import Session, sessionmaker

from bot.db.repositories import conversations as repo


def test_one_conversation_per_channel_user(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first = repo.get_or_create_conversation(session, channel="webchat", channel_user_id="u1")
    with sessions.begin() as session:
        again = repo.get_or_create_conversation(session, channel="webchat", channel_user_id="u1")
        other = repo.get_or_create_conversation(session, channel="telegram", channel_user_id="u1")
    assert first.id == again.id
    assert other.id != first.id


def test_only_offered_payloads_are_accepted(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        conversation = repo.get_or_create_conversation(
            session, channel="webchat", channel_user_id="u2"
        )
        assert not repo.payload_was_offered(session, conversation=conversation, payload="/menu")
        repo.remember_offered_payloads(
            session, conversation=conversation, payloads=["/ask_careers", "/book_intake"]
        )
    with sessions.begin() as session:
        conversation = repo.get_or_create_conversation(
            session, channel="webchat", channel_user_id="u2"
        )
        assert repo.payload_was_offered(session, conversation=conversation, payload="/book_intake")
        assert not repo.payload_was_offered(session, conversation=conversation, payload="/x")


def test_offered_payload_memory_is_bounded_and_keeps_the_newest(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        conversation = repo.get_or_create_conversation(
            session, channel="webchat", channel_user_id="u3"
        )
        for i in range(100):
            repo.remember_offered_payloads(
                session, conversation=conversation, payloads=[f"/choice_{i}"]
            )
    with sessions.begin() as session:
        conversation = repo.get_or_create_conversation(
            session, channel="webchat", channel_user_id="u3"
        )
        assert len(conversation.offered_payloads) == repo.MAX_REMEMBERED_PAYLOADS
        assert repo.payload_was_offered(session, conversation=conversation, payload="/choice_99")
        assert not repo.payload_was_offered(session, conversation=conversation, payload="/choice_0")


def test_conversation_id_and_delete_touch_only_that_channel_user(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        mine = repo.get_or_create_conversation(session, channel="webchat", channel_user_id="u4")
        other = repo.get_or_create_conversation(session, channel="telegram", channel_user_id="u4")
        mine_id, other_id = mine.id, other.id
    with sessions.begin() as session:
        assert (
            repo.find_conversation_id(session, channel="webchat", channel_user_id="u4") == mine_id
        )
        assert repo.find_conversation_id(session, channel="webchat", channel_user_id="x") is None
        repo.delete_conversation(session, channel="webchat", channel_user_id="u4")
        repo.delete_conversation(session, channel="webchat", channel_user_id="x")  # no-op
    with sessions() as session:
        assert repo.find_conversation_id(session, channel="webchat", channel_user_id="u4") is None
        assert repo.find_conversation_id(session, channel="telegram", channel_user_id="u4") == (
            other_id
        )
