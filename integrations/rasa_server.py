"""Start Rasa's server with its API token taken from the environment, not the command line.

Run by the Rasa virtual environment's Python (3.10): `python -m integrations.rasa_server run
--enable-api ...`. Rasa only accepts `--auth-token` as an argument, which `ps` shows to every
user of the machine; this launcher adds it inside the process, from TEKKIE_RASA_TOKEN, so the
process list shows the command without the secret.

Two more adjustments for publishing staff content (bot/learning/publish.py):
- `PUT /model` loads the new model in a worker thread. Rasa 3.6 loads it in its event loop,
  which stops every conversation for the 10 to 15 seconds the load takes; now the old model
  answers until the new one is ready, then Rasa switches as before.
- Staff answers have no response in the domain (bot/learning/project.py), so Rasa's
  `utter_fact` says nothing for them and logs an error each time; those lines are dropped.

A turn fails when the tracker store fails: Rasa's `FailSafeTrackerStore` would otherwise go on
with an empty tracker kept in memory, so with Redis down a prospect got the greeting again and
the conversation was split in two. Now Rasa's channel answers 500, and the app keeps the message
and tries again (or the web chat asks to try again), as when Rasa itself is down.

And one for the cost of a turn: Rasa validates every custom action's answer with
`jsonschema.validate`, which first checks the (never changing) schema itself: 33 ms per
action call here, a third of Rasa's CPU time per turn. The schema is now checked once and
compiled; each answer is still validated against it, and an invalid one still fails with
Rasa's own message. Likewise Rasa looks up an event's class among all subclasses of `Event`
for every event it reads back from the tracker store; the answers are now remembered.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any

STAFF_RESPONSE = "Couldn't create message for response 'utter_fact/staff_"


class _WithoutStaffResponseErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return STAFF_RESPONSE not in record.getMessage()


def load_models_in_a_thread() -> None:
    """Make Rasa's `PUT /model` load the model without blocking the conversations."""
    from rasa import server  # noqa: PLC0415 - only in Rasa's venv

    original = server._load_agent

    async def _load_agent(*args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, lambda: asyncio.run(original(*args, **kwargs)))

    server._load_agent = _load_agent


def validate_action_results_with_a_compiled_schema() -> None:
    """Validate custom actions' answers against Rasa's schema, checked and compiled once."""
    from jsonschema import validators  # noqa: PLC0415 - only in Rasa's venv
    from rasa.core.actions.action import RemoteAction  # noqa: PLC0415

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    original = RemoteAction._validate_action_result

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if validator.is_valid(result):
            return True
        return bool(original(self, result))  # raises with Rasa's own explanation

    RemoteAction._validate_action_result = _validate_action_result


def resolve_event_types_once() -> None:
    """Remember which class each event type name is (Rasa searched all classes every time)."""
    from rasa.shared.core.events import Event  # noqa: PLC0415 - only in Rasa's venv

    original = Event.resolve_by_type
    known: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        found = known.get(type_name)
        if found is None:
            found = original(type_name, default)  # raises for an unknown name without default
            if found is not None and found is not default:
                known[type_name] = found
        return found

    Event.resolve_by_type = staticmethod(resolve_by_type)


def fail_turns_when_the_tracker_store_fails() -> None:
    """Raise the tracker store's error instead of falling back to an empty in-memory tracker."""
    from rasa.core.tracker_store import FailSafeTrackerStore  # noqa: PLC0415 - Rasa's venv

    def _raise(self: FailSafeTrackerStore, error: Exception) -> None:
        raise error

    FailSafeTrackerStore.on_tracker_store_error = _raise
    FailSafeTrackerStore.on_tracker_store_retrieve_error = _raise


def quiet_staff_responses() -> None:
    """Drop Rasa's error line for a staff answer's missing domain response."""
    logging.getLogger("rasa.core.actions.action").addFilter(_WithoutStaffResponseErrors())


def rasa_argv(arguments: list[str], token: str) -> list[str]:
    """Rasa's command line with the token added.

    The token goes in as `--auth-token=<token>`, in one piece: a generated token may start
    with "-" (`secrets.token_urlsafe`), and argparse reads a separate "-abc" as an option.
    """
    return ["rasa", *arguments, f"--auth-token={token}"]


def main() -> None:
    """Run `rasa <arguments>` with `--auth-token $TEKKIE_RASA_TOKEN` added."""
    token = os.environ.get("TEKKIE_RASA_TOKEN", "")
    if not token:
        sys.exit("TEKKIE_RASA_TOKEN is not set: Rasa's API must not run without its token")
    from rasa.__main__ import main as rasa_main  # noqa: PLC0415 - only in Rasa's venv

    load_models_in_a_thread()
    quiet_staff_responses()
    validate_action_results_with_a_compiled_schema()
    resolve_event_types_once()
    fail_turns_when_the_tracker_store_fails()
    sys.argv = rasa_argv(sys.argv[1:], token)
    rasa_main()


if __name__ == "__main__":
    main()
