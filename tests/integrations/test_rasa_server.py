"""The launcher that hands Rasa its token, checked against Rasa's own argument parser."""

import textwrap

import pytest

from tests.support.rasa_python import run_in_rasa

pytestmark = pytest.mark.rasa

SCRIPT = textwrap.dedent(
    """
    import sys
    from integrations.rasa_server import rasa_argv
    from rasa.__main__ import create_argument_parser

    token = sys.argv[1]
    arguments = create_argument_parser().parse_args(rasa_argv(["run", "--enable-api"], token)[1:])
    print("token", arguments.auth_token == token)
    """
)


@pytest.mark.parametrize("token", ["-starts-with-a-dash_Xy9", "plain_token_0123456789"])
def test_rasa_reads_the_whole_token_even_when_it_starts_with_a_dash(token: str) -> None:
    """Defect: a generated token that began with "-" stopped Rasa at start-up (CI, 1 in 64)."""
    assert "token True" in run_in_rasa(SCRIPT, token)


LOADING = textwrap.dedent(
    """
    import asyncio, logging, threading, time
    import rasa.server as server

    def slow_load(*args, **kwargs):  # Rasa's load: synchronous work inside a coroutine
        async def load():
            time.sleep(0.5)
            return ("agent", threading.current_thread() is threading.main_thread())
        return load()

    server._load_agent = slow_load
    from integrations.rasa_server import load_models_in_a_thread, quiet_staff_responses
    load_models_in_a_thread()

    async def main():
        ticks = 0
        async def tick():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1
        ticker = asyncio.create_task(tick())
        result = await server._load_agent("model.tar.gz")
        ticker.cancel()
        return result, ticks

    (agent, in_main_thread), ticks = asyncio.run(main())
    print("agent", agent, "main thread", in_main_thread, "loop kept running", ticks >= 5)

    quiet_staff_responses()
    seen = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    action_log = logging.getLogger("rasa.core.actions.action")
    action_log.addHandler(handler)
    action_log.error("Couldn't create message for response 'utter_fact/staff_3'.")
    action_log.error("Couldn't create message for response 'utter_greet'.")
    print("logged", seen)
    """
)


def test_a_model_is_loaded_in_a_thread_while_conversations_go_on() -> None:
    """Rasa's PUT /model blocked every conversation for the whole load (13.8 s seen here)."""
    out = run_in_rasa(LOADING)
    assert "agent agent main thread False loop kept running True" in out
    assert "logged [\"Couldn't create message for response 'utter_greet'.\"]" in out


VALIDATION = textwrap.dedent(
    """
    import time
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction
    from integrations.rasa_server import validate_action_results_with_a_compiled_schema

    action = RemoteAction("action_after_answer", None)
    good = {"events": [{"event": "slot", "name": "language", "value": "nl", "timestamp": None}],
            "responses": [{"text": "Hoi!", "buttons": [{"title": "Menu", "payload": "/menu"}]}]}

    def per_call(calls=20):
        began = time.perf_counter()
        for _ in range(calls):
            assert action._validate_action_result(good)
        return (time.perf_counter() - began) / calls

    before = per_call()
    validate_action_results_with_a_compiled_schema()
    after = per_call()
    print("faster", after * 5 < before)
    try:
        action._validate_action_result({"events": [{"event": "slot", "name": 3}]})
    except ValidationError as error:
        print("refused", "Failed to validate Action server response" in error.message)
    """
)


def test_action_answers_are_validated_without_checking_the_schema_every_time() -> None:
    """Rasa checked its own fixed schema on every custom action call: 33 ms, a third of a turn."""
    out = run_in_rasa(VALIDATION)
    assert "faster True" in out
    assert "refused True" in out  # an invalid answer still fails, with Rasa's explanation


EVENT_TYPES = textwrap.dedent(
    """
    from rasa.shared.core.events import Event, UserUttered, SlotSet
    from integrations.rasa_server import resolve_event_types_once

    resolve_event_types_once()
    print("user", Event.resolve_by_type("user") is UserUttered)
    twice = [Event.resolve_by_type("slot") is SlotSet for _ in range(2)]
    print("again", *twice)
    print("default", Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet)
    try:
        Event.resolve_by_type("no_such_event")
    except ValueError as error:
        print("unknown", error)
    restored = Event.from_parameters({"event": "slot", "name": "x", "value": 1})
    print("restored", type(restored).__name__, restored.key, restored.value)
    """
)


def test_event_types_are_looked_up_once_and_unknown_ones_still_fail() -> None:
    out = run_in_rasa(EVENT_TYPES)
    assert "user True" in out
    assert "again True True" in out
    assert "default True" in out
    assert "unknown Unknown event name 'no_such_event'." in out
    assert "restored SlotSet x 1" in out


TRACKER_STORE_DOWN = textwrap.dedent(
    """
    import asyncio
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from integrations.rasa_server import fail_turns_when_the_tracker_store_fails

    class Down(InMemoryTrackerStore):
        async def retrieve(self, sender_id):
            raise ConnectionError("Redis is down")
        async def save(self, tracker):
            raise ConnectionError("Redis is down")

    store = FailSafeTrackerStore(Down(Domain.empty()))
    print("before", asyncio.run(store.retrieve("anna")))  # Rasa: None, a new empty tracker
    fail_turns_when_the_tracker_store_fails()
    for name, call in (("retrieve", store.retrieve("anna")),
                       ("save", store.save(DialogueStateTracker("anna", [])))):
        try:
            asyncio.run(call)
            print(name, "went on")
        except ConnectionError as error:
            print(name, "failed:", error)
    """
)


def test_a_turn_fails_when_the_tracker_store_is_down_instead_of_starting_afresh() -> None:
    """With Redis down Rasa answered from an empty tracker: the greeting again, context lost."""
    out = run_in_rasa(TRACKER_STORE_DOWN)
    assert "before None" in out
    assert "retrieve failed: Redis is down" in out
    assert "save failed: Redis is down" in out
