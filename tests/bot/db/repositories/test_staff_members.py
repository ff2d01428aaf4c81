from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import StaffMember
from bot.db.repositories import staff_members as repo


def test_staff_members_by_name_and_by_calendar_token(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add_all([StaffMember(name="Bert"), StaffMember(name="Anna")])
    with sessions() as session:
        members = repo.list_staff_members(session)
        assert [m.name for m in members] == ["Anna", "Bert"]
        bert = repo.find_staff_member_by_calendar_token(session, token=members[1].calendar_token)
        assert bert is not None
        assert bert.name == "Bert"
        assert repo.find_staff_member_by_calendar_token(session, token="unknown") is None


def test_added_member_email_is_normalised_and_then_taken(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        assert not repo.staff_member_email_taken(session, email=" Anna@School.nl ")
        repo.add_staff_member(session, name=" Anna ", email=" Anna@School.nl ")
        repo.add_staff_member(session, name="Bert", email="  ")
    with sessions() as session:
        anna, bert = repo.list_staff_members(session)
        assert (anna.name, anna.email) == ("Anna", "anna@school.nl")
        assert bert.email is None
        assert repo.staff_member_email_taken(session, email="ANNA@school.nl")
        assert not repo.staff_member_email_taken(session, email="  ")
        assert not repo.staff_member_email_taken(session, email="bert@school.nl")


def test_staff_member_found_by_id_and_by_exact_email(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        anna = StaffMember(name="Anna", email="Anna@School.nl")  # as the CLI stores it
        session.add_all([anna, StaffMember(name="Bert")])
        session.flush()
        anna_id = anna.id
    with sessions() as session:
        found = repo.find_staff_member(session, staff_id=anna_id)
        assert found is not None
        assert found.name == "Anna"
        assert repo.find_staff_member(session, staff_id=anna_id + 100) is None
        by_email = repo.find_staff_member_by_email(session, email="Anna@School.nl")
        assert by_email is not None
        assert by_email.id == anna_id
        assert repo.find_staff_member_by_email(session, email="anna@school.nl") is None
