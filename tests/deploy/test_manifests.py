"""deploy/: the compose file and the k8s manifests agree with the code they run.

Settings names, the servers' addresses and ports, health routes and `tekkie` commands are
checked against the real Settings class, app, action server and command-line app.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import typer.main
from jsonschema import validators

from bot.cli.main import app as cli
from bot.settings import Settings
from tests.deploy.conftest import Routed
from tests.deploy.deployment import (
    COMPOSE_FILE,
    CONTAINERFILES,
    DEPLOY,
    K8S,
    SECRET_TEMPLATE,
    SETTING_NAMES,
    Container,
    compose,
    compose_containers,
    image_command,
    instructions,
    k8s_containers,
    kustomization,
    secret_settings,
    settings_for,
    url_probes,
    yaml_documents,
)

# Environment variables of containers that are not Tekkie's, by image.
OTHER_IMAGES = {"postgres": re.compile(r"POSTGRES_(DB|USER|PASSWORD)"), "redis": re.compile("$^")}
# Set explicitly for every Tekkie container, and for each server what it needs besides.
PRODUCTION = {"ENVIRONMENT", "LOG_FORMAT", "DATABASE_URL", "REDIS_URL", "RASA_TOKEN"}
NEEDED = {
    "app": {"APP_HOST", "APP_PORT", "RASA_URLS", "ACTION_HOST", "PUBLIC_BASE_URL", "MODEL_DIR",
            "RUNTIME_DIR"},
    "rasa": {"RASA_HOST", "RASA_PORT", "ACTION_HOST", "MODEL_DIR", "RUNTIME_DIR"},
    "actions": {"ACTION_HOST", "ACTION_PORT", "PUBLIC_BASE_URL"},
    "train": {"MODEL_DIR", "RUNTIME_DIR"},
    "migrate": set(),
}  # fmt: skip
SERVERS = ("app", "rasa", "actions")


def listens(role: str, settings: Settings) -> tuple[str, int]:
    """Where a server of this role listens, from its settings (bot/ops/services.py)."""
    return {
        "app": (settings.app_host, settings.app_port),
        "rasa": (settings.rasa_host, settings.rasa_port),
        "actions": (settings.action_host, settings.action_port),
    }[role]


def everywhere() -> list[Container]:
    return compose_containers() + k8s_containers()


def platform(container: Container) -> str:
    return "compose" if container.where.startswith("compose") else "k8s"


def tekkie() -> list[Container]:
    return [container for container in everywhere() if container.is_tekkie]


def test_every_yaml_file_parses() -> None:
    files = sorted(DEPLOY.rglob("*.yaml")) + sorted(DEPLOY.rglob("*.yml"))
    assert COMPOSE_FILE in files
    assert all(yaml_documents(path) for path in files)


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    listed = set(kustomization()["resources"])
    present = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present - {SECRET_TEMPLATE.name}


def test_compose_file_follows_the_compose_specification() -> None:
    vendored = resources.files("check_jsonschema") / "builtin_schemas/vendor/compose-spec.json"
    schema = json.loads(vendored.read_text(encoding="utf-8"))
    validator_class: Any = validators.validator_for(schema, default=None)
    assert validator_class is not None, f"unknown $schema {schema.get('$schema')}"
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(compose())]
    assert errors == []


def test_compose_services_wait_for_healthy_or_finished_dependencies() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for dependency, how in service.get("depends_on", {}).items():
            assert isinstance(how, dict), f"{name}: depends_on {dependency} without a condition"
            target = services[dependency]
            if how["condition"] == "service_healthy":
                assert not target.get("healthcheck", {}).get("disable"), (name, dependency)
                assert target.get("healthcheck", {}).get("test"), (name, dependency)
            else:
                assert how["condition"] == "service_completed_successfully", (name, dependency)
                assert target.get("restart") == "no", f"{dependency} must be a one-shot"
    one_shots = {c.role for c in compose_containers() if c.role in ("migrate", "train")}
    assert one_shots == {"migrate", "train"}


def test_only_the_app_publishes_a_port_and_it_is_the_one_it_listens_on() -> None:
    published = [container for container in compose_containers() if container.ports]
    assert [container.role for container in published] == ["app"]
    assert published[0].ports == {listens("app", settings_for(published[0]))[1]}


def test_compose_services_read_env_file_and_use_declared_named_volumes() -> None:
    declared = set(compose()["volumes"])
    for name, service in compose()["services"].items():
        image = service["image"].split(":")[0]
        assert ("env_file" in service) == (image in CONTAINERFILES), name
        for volume in service.get("volumes", []):
            assert str(volume).split(":")[0] in declared, f"{name}: {volume} is not named"


def test_compose_writes_down_no_secret_but_takes_them_from_deploy_env() -> None:
    secrets = secret_settings() | {"POSTGRES_PASSWORD"}
    for name, service in compose()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if key in secrets:
                written = re.sub(r"\$\{[^}]*\}", "", str(value))  # what is left without ${...}
                left = urlsplit(written).password if key.endswith("_URL") else written
                assert not left, f"{name}: {key} is written down"


def test_every_environment_variable_is_a_setting() -> None:
    unknown = []
    for container in everywhere():
        if container.is_tekkie:
            unknown += [(container.where, n) for n in container.set_names - SETTING_NAMES]
        else:
            allowed = OTHER_IMAGES[container.image.split(":")[0]]
            unknown += [(container.where, n) for n in container.set_names if not allowed.match(n)]
    assert unknown == []


def test_secret_keys_are_settings_and_named_as_their_variables() -> None:
    template = SECRET_TEMPLATE.read_text(encoding="utf-8")
    offered = set(re.findall(r"^\s*#?\s*([A-Z][A-Z0-9_]*):", template, flags=re.MULTILINE))
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    offered |= set(re.findall(r"--from-literal=([A-Z0-9_]+)=", readme))
    assert offered
    assert offered <= SETTING_NAMES
    for path in K8S.glob("*.yaml"):
        for doc in yaml_documents(path):
            for entry in _find(doc, "env"):
                for variable in entry:
                    ref = variable.get("valueFrom", {}).get("secretKeyRef")
                    assert ref is None or ref["key"] == variable["name"], variable
                    assert ref is None or ref["key"] in offered, f"{path.name}: {variable}"


def _find(node: Any, key: str) -> list[Any]:
    if isinstance(node, dict):
        here = [node[key]] if key in node else []
        return here + [found for value in node.values() for found in _find(value, key)]
    return [x for v in node for x in _find(v, key)] if isinstance(node, list) else []


def test_every_tekkie_container_has_the_production_settings_it_needs() -> None:
    roles: dict[str, set[str]] = {"compose": set(), "k8s": set()}
    for container in tekkie():
        missing = (PRODUCTION | NEEDED[container.role]) - container.set_names
        assert not missing, f"{container.where} lacks {sorted(missing)}"
        settings = settings_for(container)  # refuses a placeholder token, an incomplete channel
        assert (settings.environment, settings.log_format) == ("production", "json")
        assert not settings.is_sqlite
        assert not settings.should_auto_migrate
        assert settings.redis_url, container.where
        roles[platform(container)].add(container.role)
    assert roles["compose"] == roles["k8s"] == set(NEEDED)


def test_servers_listen_on_all_interfaces_on_their_container_ports() -> None:
    for container in tekkie():
        if container.role in SERVERS:
            host, port = listens(container.role, settings_for(container))
            assert host == "0.0.0.0", container.where
            if platform(container) == "k8s":
                assert container.ports == {port}, container.where


def test_compose_servers_reach_each_other_by_service_name_and_port() -> None:
    by_name = {c.where.removeprefix("compose service "): c for c in compose_containers()}
    for container in by_name.values():
        if container.role not in ("app", "rasa"):
            continue
        settings = settings_for(container)
        wanted = [(url, "rasa") for url in settings.rasa_server_urls] * (container.role == "app")
        for url, role in [*wanted, (settings.action_server_url, "actions")]:
            address = urlsplit(url)
            target = by_name[str(address.hostname)]
            assert target.role == role, url
            assert address.port == listens(role, settings_for(target))[1], url


def test_the_model_volume_is_shared_at_the_same_path() -> None:
    for where in ("compose", "k8s"):
        volumes = set()
        for container in tekkie():
            if container.role in ("app", "rasa", "train") and platform(container) == where:
                model_dir = str(settings_for(container).model_dir)
                assert model_dir in container.mounts, f"{container.where}: {model_dir}"
                volumes.add(container.mounts[model_dir])
        assert len(volumes) == 1, (where, volumes)


def _image_probes() -> list[tuple[str, str, tuple[int, str]]]:
    """(where, role, probe) of each Containerfile's HEALTHCHECK."""
    found = []
    for image, path in CONTAINERFILES.items():
        role = image_command(image)[2]
        for instruction in instructions(path):
            if instruction.keyword == "HEALTHCHECK":
                found += [(path.name, role, probe) for probe in url_probes(instruction.arguments)]
    return found


def test_probes_and_health_checks_ask_real_routes_on_the_servers_port(
    routes: dict[str, Routed | None],
) -> None:
    checks = _image_probes()
    for container in tekkie():
        if container.role in SERVERS:
            assert len(container.probes) >= {"compose": 1, "k8s": 2}[platform(container)]
            port = listens(container.role, settings_for(container))[1]
            checks += [(container.where, container.role, probe) for probe in container.probes]
            assert all(probe[0] == port for probe in container.probes), container.where
    assert {role for _, role, _ in checks} == set(SERVERS)
    for where, role, (_port, path) in checks:
        routed = routes[role]
        assert routed is None or routed(path), f"{where}: {role} has no GET {path}"
    assert routes["rasa"] is not None, "Rasa's routes unchecked: no .venv-rasa (make setup)"


def _tekkie_commands() -> list[tuple[str, list[str]]]:
    """Every `tekkie ...` a file in deploy/ runs or tells someone to run."""
    found = [(c.where, c.command) for c in everywhere() if c.command[:1] == ["tekkie"]]
    found += [(image, image_command(image)) for image in CONTAINERFILES]
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for words in re.findall(r"(?:`|-- )tekkie((?: [a-z][a-z-]*)+)", text):
                found.append((path.name, ["tekkie", *words.split()]))
    return found


def test_every_tekkie_command_used_exists() -> None:
    for where, words in _tekkie_commands():
        command: Any = typer.main.get_command(cli)
        arguments: list[Any] = []
        for word in words[1:]:
            if word.startswith("-"):
                break
            if hasattr(command, "commands"):
                assert word in command.commands, f"{where}: no command {words}"
                command = command.commands[word]
                arguments = [p for p in command.params if p.param_type_name == "argument"]
                continue
            assert arguments, f"{where}: {words} has too many words"
            argument = arguments.pop(0)  # typer keeps an enum's choices in its type_descriptor
            kind = getattr(argument, "type_descriptor", None) or getattr(argument, "type", None)
            choices = [str(getattr(c, "value", c)) for c in getattr(kind, "choices", None) or ()]
            assert not choices or word in choices, f"{where}: {word} not one of {choices}"
        assert not hasattr(command, "commands"), f"{where}: {words} names a group"
    assert len(_tekkie_commands()) >= 10
