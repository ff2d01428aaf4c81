import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import StaffAccount
from bot.db.repositories import staff as repo


def test_set_account_active(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        account = repo.create_account(
            session, email="anna@school.nl", name="Anna", password="long enough password"
        )
        account_id = account.id
    with sessions.begin() as session:
        assert repo.set_account_active(session, account_id=account_id, active=False)
        assert not repo.set_account_active(session, account_id=account_id + 1, active=True)
    with sessions() as session:
        assert not session.get_one(StaffAccount, account_id).active


def test_set_account_language(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        account = repo.create_account(
            session, email="anna@school.nl", name="Anna", password="long enough password"
        )
        account_id = account.id
    with sessions.begin() as session:
        assert repo.set_account_language(session, account_id=account_id, language="en")
        assert not repo.set_account_language(session, account_id=account_id + 1, language="nl")
        with pytest.raises(repo.AccountError) as error:
            repo.set_account_language(session, account_id=account_id, language="de")
        assert error.value.key == "bad_language"
    with sessions() as session:
        assert session.get_one(StaffAccount, account_id).language == "en"
