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
    sys.argv = rasa_argv(sys.argv[1:], token)
    rasa_main()


if __name__ == "__main__":
    main()
