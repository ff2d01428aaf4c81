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
