"""deploy/Containerfile.*: installed exactly from the lock files, from files that exist."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from bot.guidance import content_build
from bot.guidance.content import load_content
from bot.settings import PROJECT_ROOT, Settings
from tests.deploy.deployment import (
    CONTAINERFILES,
    copies,
    dockerignore_patterns,
    ignored,
    image_command,
    instructions,
    pip_installs,
)

# Each lock file goes into its venv, made by the Python it was resolved for (Makefile).
VENVS = {"requirements/app.lock": (".venv", "python3.11"),
         "requirements/rasa.lock": (".venv-rasa", "python3.10")}  # fmt: skip
# The servers each image runs, by the settings of their ports.
SERVES = {"tekkie-app": {"app_port", "action_port"}, "tekkie-rasa": {"rasa_port"}}
MUST_STAY_OUT = [".venv", ".venv-rasa", ".venv-other", "models", "var", ".rasa", "test-artifacts",
                 ".env", "deploy/.env", ".git", "bot/__pycache__"]  # fmt: skip
IMAGES = pytest.mark.parametrize("image", sorted(CONTAINERFILES))


@IMAGES
def test_containerfile_parses_into_stages_ending_in_a_tekkie_command(image: str) -> None:
    keywords = [i.keyword for i in instructions(CONTAINERFILES[image])]
    assert keywords[0] == "FROM"
    assert "CMD" in keywords
    allowed = {"FROM", "RUN", "COPY", "ENV", "WORKDIR", "USER", "EXPOSE", "HEALTHCHECK", "CMD"}
    assert set(keywords) <= allowed
    cmd = [i for i in instructions(CONTAINERFILES[image]) if i.keyword == "CMD"][-1]
    assert json.loads(cmd.arguments) == image_command(image)  # exec form: signals reach it
    assert image_command(image)[:2] == ["tekkie", "serve"]


@IMAGES
def test_each_lock_file_is_copied_and_installed_into_its_own_venv(image: str) -> None:
    copied = {source for sources, _ in copies(CONTAINERFILES[image]) for source in sources}
    runs = " ".join(i.arguments for i in instructions(CONTAINERFILES[image]) if i.keyword == "RUN")
    for lock, (venv, python) in VENVS.items():
        assert lock in copied, f"{image} does not COPY {lock}"
        installs = [words for words in pip_installs(CONTAINERFILES[image]) if lock in words]
        assert installs, f"{image} does not install {lock}"
        for words in installs:
            assert words[words.index(lock) - 1] == "-r"
            assert words[0] == f"{venv}/bin/pip", f"{lock} goes into {venv}, not {words[0]}"
        assert re.search(rf"(^|\s|/){re.escape(python)} -m venv {re.escape(venv)}\b", runs)


@IMAGES
def test_pip_installs_nothing_but_pinned_packages_and_the_project(image: str) -> None:
    for words in pip_installs(CONTAINERFILES[image]):
        rest = words[words.index("install") + 1 :]
        if "-r" in rest:
            assert rest[rest.index("-r") + 1] in VENVS
            rest.pop(rest.index("-r") + 1)
        if "." in rest:
            assert "--no-deps" in rest, "the project's dependencies come from the lock"
        packages = [word for word in rest if not word.startswith("-") and word != "."]
        unpinned = [word for word in packages if not re.fullmatch(r"[\w.-]+==[\w.]+", word)]
        assert unpinned == [], f"{image}: {words}"
    project = [words for words in pip_installs(CONTAINERFILES[image]) if "." in words]
    assert len(project) == 1
    assert "-e" in project[0], "editable: PROJECT_ROOT stays /app"


@IMAGES
def test_copied_files_exist_and_are_in_the_build_context(image: str) -> None:
    patterns = dockerignore_patterns()
    for sources, _ in copies(CONTAINERFILES[image]):
        for source in sources:
            path = PROJECT_ROOT / source
            assert path.exists(), f"{image} copies {source}, which is not in the repository"
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            for file in files:
                relative = file.relative_to(PROJECT_ROOT).as_posix()
                if "__pycache__" not in relative:
                    assert not ignored(relative, patterns), f".dockerignore drops {relative}"


@IMAGES
def test_image_runs_as_a_user_that_is_not_root(image: str) -> None:
    users = [i.arguments for i in instructions(CONTAINERFILES[image]) if i.keyword == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    created = " ".join(
        i.arguments for i in instructions(CONTAINERFILES[image]) if i.keyword == "RUN"
    )
    assert re.search(rf"useradd\b.*\b{re.escape(users[-1])}\b", created)


@IMAGES
def test_image_exposes_the_default_ports_of_what_it_serves(image: str) -> None:
    exposed = {
        int(port)
        for instruction in instructions(CONTAINERFILES[image]) if instruction.keyword == "EXPOSE"
        for port in shlex.split(instruction.arguments)
    }  # fmt: skip
    assert exposed == {Settings.model_fields[name].default for name in SERVES[image]}


def test_both_images_are_built_the_same_way_up_to_their_final_lines() -> None:
    """Same steps, so that they share layers and never drift apart (a file copied in one only)."""
    built = []
    for path in CONTAINERFILES.values():
        steps = instructions(path)
        built.append(steps[: [s.keyword for s in steps].index("EXPOSE")])
    assert built[0] == built[1]
    assert sum(step.keyword == "FROM" for step in built[0]) >= 2


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_build() -> None:
    patterns = dockerignore_patterns()
    assert not [pattern for pattern in patterns if pattern.startswith("!")]
    assert [path for path in MUST_STAY_OUT if not ignored(path, patterns)] == []
    for kept in ("bot/db/models/__init__.py", "requirements/app.lock", "dialogues/domain"):
        assert not ignored(kept, patterns), kept  # "models" means the top directory only


def test_the_generated_domain_file_in_the_images_is_current() -> None:
    """`tekkie train` regenerates it, `tekkie serve rasa` does not: a stale copy in the image
    would make the train container and the Rasa container name different models."""
    rendered = content_build.render(load_content())
    assert content_build.ANSWERS_FILE.read_text(encoding="utf-8") == rendered, "run make train"
