"""Start Rasa's server with its API token taken from the environment, not the command line.

Run by the Rasa virtual environment's Python (3.10): `python -m integrations.rasa_server run
--enable-api ...`. Rasa only accepts `--auth-token` as an argument, which `ps` shows to every
user of the machine; this launcher adds it inside the process, from TEKKIE_RASA_TOKEN, so the
process list shows the command without the secret.
"""

from __future__ import annotations

import os
import sys


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

    sys.argv = rasa_argv(sys.argv[1:], token)
    rasa_main()


if __name__ == "__main__":
    main()
