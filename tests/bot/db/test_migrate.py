from sqlalchemy import inspect

from bot.db import migrate
from bot.db.engine import make_engine

EXPECTED_TABLES = {
    "conversations",
    "leads",
    "lead_status_changes",
    "staff_members",
    "availabilities",
    "availability_exceptions",
    "intake_slots",
    "bookings",
    "booking_events",
    "outbox_messages",
    "staff_accounts",
    "staff_sessions",
    "login_failures",
    "campaigns",
}


def test_upgrade_creates_the_schema_and_downgrade_removes_it(database_url: str) -> None:
    engine = make_engine(database_url)
    assert migrate.current_revision(engine) is None

    migrate.upgrade(database_url)
    assert migrate.current_revision(engine) == migrate.head_revision(database_url)
    assert set(inspect(engine).get_table_names()) >= EXPECTED_TABLES

    migrate.downgrade(database_url, "base")
    assert not set(inspect(engine).get_table_names()) & EXPECTED_TABLES

    migrate.upgrade(database_url)  # and back up again: migrations are repeatable
    assert "conversations" in inspect(engine).get_table_names()
    engine.dispose()


def test_upgrade_twice_changes_nothing(database_url: str) -> None:
    migrate.upgrade(database_url)
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    assert migrate.current_revision(engine) == migrate.head_revision(database_url)
    engine.dispose()


def test_models_and_migrations_agree(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.db.models import Base

    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []
