"""The Rasa side of Tekkie: its virtual environment, training, validation and runtime files.

Rasa 3.6 runs on Python 3.10 in `.venv-rasa`; everything here drives it through its CLI.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bot.guidance import content_build
from bot.settings import PROJECT_ROOT, Settings

RASA_VENV = PROJECT_ROOT / ".venv-rasa"
CONFIG_FILE = PROJECT_ROOT / "config.yml"
DIALOGUES_DIR = PROJECT_ROOT / "dialogues"
DOMAIN_DIR = DIALOGUES_DIR / "domain"
DATA_DIR = DIALOGUES_DIR / "data"
TEST_STORIES_DIR = DIALOGUES_DIR / "tests"
CONTENT_DIR = DIALOGUES_DIR / "content"
# Files that change the trained model; a change in any of them means retraining.
# (concerns.yml and support.yml become the responses in domain/answers.yml.)
MODEL_INPUTS = (
    CONFIG_FILE, DOMAIN_DIR, DATA_DIR, CONTENT_DIR / "concerns.yml", CONTENT_DIR / "support.yml",
)  # fmt: skip
CHANNEL_CLASS = "integrations.rasa_token_channel.TokenRestInput"


class RasaNotInstalledError(RuntimeError):
    """Raised when `.venv-rasa` is missing; the message says how to create it."""


@dataclass(frozen=True)
class RuntimeFiles:
    """Endpoint and credential files generated for one Rasa server."""

    endpoints: Path
    credentials: Path


def rasa_executable() -> Path:
    """The `rasa` command of the Rasa virtual environment."""
    executable = RASA_VENV / "bin" / "rasa"
    if not executable.exists():
        raise RasaNotInstalledError(
            f"Rasa is not installed in {RASA_VENV}. Run 'make setup' (it needs Python 3.10; "
            "see scripts/find-python for where it looks)."
        )
    return executable


def rasa_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Rasa processes: project importable, quiet, no telemetry, no GPU."""
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(PROJECT_ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "CUDA_VISIBLE_DEVICES": "-1",
            "LOG_LEVEL_LIBRARIES": "ERROR",
        }
    )
    env.update(extra or {})
    return env


def _input_files() -> list[Path]:
    files: list[Path] = []
    for item in MODEL_INPUTS:
        files.extend(sorted(p for p in item.rglob("*") if p.is_file()) if item.is_dir() else [item])
    return files


# Staff content as extra training files: {"data/nlu/staff.yml": text, ...}, paths inside
# dialogues/ (bot/learning/project.py). None or {} is the developers' files alone.
Extra = Mapping[str, str] | None


def fingerprint(extra: Extra = None) -> str:
    """A short hash of everything that shapes the model (paths and contents)."""
    digest = hashlib.sha256()
    for path in _input_files():
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    for name, text in sorted((extra or {}).items()):
        digest.update(f"dialogues/{name}".encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()[:16]


def model_path(settings: Settings, extra: Extra = None) -> Path:
    """Where the model for the current dialogue data lives (it may not exist yet)."""
    return settings.model_dir / f"tekkie-{fingerprint(extra)}.tar.gz"


def _project_dirs(settings: Settings, extra: Extra) -> tuple[Path, Path]:
    """The domain and data directories to train on: dialogues/ itself, or a copy with `extra`."""
    if not extra:
        return DOMAIN_DIR, DATA_DIR
    build = settings.runtime_dir / "build" / fingerprint(extra)
    shutil.rmtree(build, ignore_errors=True)
    shutil.copytree(DOMAIN_DIR, build / "domain")
    shutil.copytree(DATA_DIR, build / "data")
    for name, text in extra.items():
        target = (build / name).resolve()
        if build.resolve() not in target.parents:
            raise ValueError(f"extra training file outside the project: {name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return build / "domain", build / "data"


def train(
    settings: Settings, *, force: bool = False, log_file: Path | None = None, extra: Extra = None,
    check_data: bool = True,
) -> Path:  # fmt: skip
    """Train the model unless one for exactly this data exists; return its path.

    `check_data=False` skips Rasa's own check of the data before training (staff content is
    checked when it is saved; the developers' files by `tekkie validate` and the tests).
    """
    content_build.build()
    target = model_path(settings, extra)
    if target.exists() and not force:
        return target
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    domain, data = _project_dirs(settings, extra)
    command = [
        str(rasa_executable()),
        "train",
        "--config", str(CONFIG_FILE),
        "--domain", str(domain),
        "--data", str(data),
        "--out", str(settings.model_dir),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
        *([] if check_data else ["--skip-validation"]),
    ]  # fmt: skip
    _run_logged(command, log_file or settings.runtime_dir / "train.log")
    if extra:
        shutil.rmtree(domain.parent, ignore_errors=True)
    return target


def validate(
    log_file: Path | None = None, *, settings: Settings | None = None, extra: Extra = None
) -> str:
    """Run `rasa data validate`; return its output, raise when it finds errors.

    With `extra` (staff content) the copy with those files is checked, in `settings`'s
    runtime directory.
    """
    content_build.build()
    if extra and settings is None:
        raise ValueError("validating staff content needs the settings (where to copy to)")
    domain, data = _project_dirs(settings, extra) if settings else (DOMAIN_DIR, DATA_DIR)
    command = [
        str(rasa_executable()),
        "data", "validate",
        "--config", str(CONFIG_FILE),
        "--domain", str(domain),
        "--data", str(data),
        "--fail-on-warnings",
    ]  # fmt: skip
    result = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env=rasa_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if extra:
        shutil.rmtree(domain.parent, ignore_errors=True)
    output = result.stdout + result.stderr
    if log_file:
        log_file.write_text(output)
    if result.returncode != 0:
        raise RuntimeError(f"rasa data validate failed:\n{output[-4000:]}")
    if warnings := project_warnings(output):
        # Rasa prints some findings (an unused response, say) as Python warnings and still
        # exits 0, even with --fail-on-warnings; they are mistakes in our data all the same.
        raise RuntimeError("rasa data validate warned:\n" + "\n".join(warnings))
    return output


# Rasa 3.6 merges retrieval intents into the domain while importing NLU data and then warns
# that they are duplicated; listing them in the domain is required for the rules.
RETRIEVAL_INTENTS = frozenset({"concern", "support", "fact"})
RASA_OWN_RETRIEVAL_MERGE = (
    "The following duplicated intents have been found across multiple domain files: "
    + ", ".join(sorted(RETRIEVAL_INTENTS))
)
_MERGE_PREFIX = RASA_OWN_RETRIEVAL_MERGE.split(": ", 1)[0] + ": "


def _only_retrieval_merge(line: str) -> bool:
    """Rasa's own warning about our retrieval intents (in whatever order it names them)."""
    if _MERGE_PREFIX not in line:
        return False
    named = {n.strip() for n in line.split(_MERGE_PREFIX, 1)[1].split(",")}
    return named <= RETRIEVAL_INTENTS


# Responses that custom actions say (actions/understanding.py), not the rules.
ACTION_RESPONSES = ("utter_only_training",)


def _action_response(line: str) -> bool:
    return any(f"The utterance '{name}' is not used" in line for name in ACTION_RESPONSES)


def project_warnings(output: str) -> list[str]:
    """The warnings in `rasa data validate` output that are about the project's own data."""
    return [
        line
        for line in output.splitlines()
        if "UserWarning" in line and not _only_retrieval_merge(line) and not _action_response(line)
    ]


def test_stories(settings: Settings, out_dir: Path) -> None:
    """Run Rasa's test stories against the current model; raise on any wrong prediction."""
    command = [
        str(rasa_executable()),
        "test", "core",
        "--model", str(train(settings)),
        "--stories", str(TEST_STORIES_DIR),
        "--out", str(out_dir),
        "--fail-on-prediction-errors",
        "--no-plot",
    ]  # fmt: skip
    _run_logged(command, out_dir / "rasa-test.log")


def test_nlu(*, model: Path, data: Path, out_dir: Path) -> None:
    """Run `rasa test nlu` on one data file; reports land in `out_dir`."""
    command = [
        str(rasa_executable()),
        "test", "nlu",
        "--model", str(model),
        "--nlu", str(data),
        "--out", str(out_dir),
        "--no-plot",
    ]  # fmt: skip
    _run_logged(command, out_dir / "rasa-test-nlu.log")


def _run_logged(command: list[str], log_file: Path) -> None:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("w") as log:
        result = subprocess.run(
            command,
            cwd=PROJECT_ROOT,
            env=rasa_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0:
        tail = log_file.read_text()[-3000:]
        raise RuntimeError(f"{' '.join(command[:2])} failed (log: {log_file}):\n{tail}")


def endpoints_config(settings: Settings) -> dict[str, object]:
    """Rasa's endpoints: our action server, and Redis or a local SQLite tracker store.

    No Redis lock store: Rasa's is not safe across servers (Rasa issue #9213). Each server
    keeps its own in-memory locks, and the app sends a conversation to one server at a time,
    one turn at a time (bot/conversation/routing.py and locks.py); a killed server then
    leaves no lock behind that would hold its conversations up on the next one.
    """
    config: dict[str, object] = {"action_endpoint": {"url": settings.action_server_url}}
    if settings.redis_url:
        redis = urlsplit(settings.redis_url)
        common: dict[str, object] = {
            "url": redis.hostname or "127.0.0.1",
            "port": redis.port or 6379,
            "db": int(redis.path.strip("/") or 0),
        }
        if redis.password:
            common["password"] = "${TEKKIE_REDIS_PASSWORD}"  # noqa: S105 - env reference
        prefix = settings.redis_key_prefix
        config["tracker_store"] = {"type": "redis", "key_prefix": prefix, **common}
    else:
        settings.rasa_tracker_db.parent.mkdir(parents=True, exist_ok=True)
        config["tracker_store"] = {
            "type": "SQL",
            "dialect": "sqlite",
            "db": str(settings.rasa_tracker_db),
        }
    return config


def write_runtime_files(settings: Settings, directory: Path | None = None) -> RuntimeFiles:
    """Write endpoints.yml and credentials.yml for Rasa; secrets stay in the environment."""
    directory = directory or settings.runtime_dir
    directory.mkdir(parents=True, exist_ok=True)
    files = RuntimeFiles(directory / "endpoints.yml", directory / "credentials.yml")
    files.endpoints.write_text(yaml.safe_dump(endpoints_config(settings), sort_keys=False))
    # The channel reads its token from TEKKIE_RASA_TOKEN (Rasa expands ${...} in this file).
    # It also checks the action server before each turn (a turn without it goes wrong).
    credentials = {
        CHANNEL_CLASS: {
            "token": "${TEKKIE_RASA_TOKEN}",
            "action_health_url": settings.action_server_url.removesuffix("/webhook") + "/health",
        }
    }
    files.credentials.write_text(yaml.safe_dump(credentials, sort_keys=False))
    return files


def rasa_server_command(
    settings: Settings, files: RuntimeFiles, model: Path, *, port: int | None = None
) -> list[str]:
    """The command that starts Rasa on the configured host (and port), its API behind the token.

    The token is not in the command (`ps` would show it): the launcher reads it from
    TEKKIE_RASA_TOKEN, which `rasa_server_environment` sets.
    """
    return [
        str(rasa_executable().with_name("python")),
        "-m", "integrations.rasa_server",  # adds --auth-token from the environment
        "run",
        "--enable-api",
        "--interface", settings.rasa_host,
        "--port", str(port or settings.rasa_port),
        "--model", str(model),
        "--endpoints", str(files.endpoints),
        "--credentials", str(files.credentials),
    ]  # fmt: skip


def rasa_server_environment(settings: Settings) -> dict[str, str]:
    """Environment of the Rasa server process (the channel token, Redis password)."""
    extra = {"TEKKIE_RASA_TOKEN": settings.rasa_token.get_secret_value()}
    password = urlsplit(settings.redis_url).password if settings.redis_url else None
    if password:
        extra["TEKKIE_REDIS_PASSWORD"] = password
    return rasa_environment(extra)
