"""The app on its own, with Rasa unreachable: it starts, and migrates its embedded database.

What prospects and /health see then is tested with those routes: test_webchat.py,
test_health.py and test_errors.py.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.settings import Settings
from bot.web.app import create_app
from tests.support.stack import free_port


@pytest.fixture
def client(make_settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    settings: Settings = make_settings(rasa_port=free_port(), rasa_timeout_seconds=2)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_the_embedded_database_is_migrated_at_start_up(client: TestClient) -> None:
    from sqlalchemy import inspect

    assert "conversations" in inspect(client.app.state.engine).get_table_names()  # type: ignore[attr-defined]
