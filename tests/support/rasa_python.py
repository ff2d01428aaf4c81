"""Run a short script in Rasa's own Python 3.10 (.venv-rasa), as the code under test runs there."""

from __future__ import annotations

import subprocess

from bot.ops import rasa_project
from bot.settings import PROJECT_ROOT


def run_in_rasa(script: str, *args: str, timeout: float = 120) -> str:
    """The script's standard output; a failing script fails the test with Rasa's stderr."""
    python = rasa_project.rasa_executable().with_name("python")
    ran = subprocess.run(
        [str(python), "-c", script, *args], cwd=PROJECT_ROOT, env=rasa_project.rasa_environment(),
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    return ran.stdout
