"""Reading deploy/: YAML, Containerfiles, .dockerignore, and each container's environment."""

from __future__ import annotations

import fnmatch
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from bot.settings import PROJECT_ROOT, Settings

DEPLOY = PROJECT_ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE_FILE = DEPLOY / "compose.yaml"
SECRET_TEMPLATE = K8S / "secret.example.yaml"
CONTAINERFILES = {
    "tekkie-app": DEPLOY / "Containerfile.app",
    "tekkie-rasa": DEPLOY / "Containerfile.rasa",
}
SETTING_NAMES = frozenset(name.upper() for name in Settings.model_fields)
# Stand-ins for secrets and ${...} values, so that a container's settings can be built.
STAND_INS = {
    "RASA_TOKEN": "a-long-random-stand-in-token-0123456789",
    "DATABASE_URL": "postgresql://tekkie:stand-in@db.internal:5432/tekkie",
    "REDIS_URL": "redis://:stand-in@redis.internal:6379/0",
    "POSTGRES_PASSWORD": "standin",
    "PUBLIC_BASE_URL": "https://chat.example.org",
}
Doc = dict[str, Any]


def yaml_documents(path: Path) -> list[Doc]:
    """Every document of a YAML file; each must be a mapping."""
    documents = [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    assert all(isinstance(doc, dict) for doc in documents), f"{path}: not a mapping"
    return documents


def compose() -> Doc:
    return yaml_documents(COMPOSE_FILE)[0]


def kustomization() -> Doc:
    return yaml_documents(K8S / "kustomization.yaml")[0]


def k8s_objects() -> list[Doc]:
    """The objects `kubectl apply -k deploy/k8s` applies."""
    return [doc for name in kustomization()["resources"] for doc in yaml_documents(K8S / name)]


def objects_of(kind: str) -> list[Doc]:
    return [doc for doc in k8s_objects() if doc["kind"] == kind]


def pod_specs() -> Iterator[tuple[Doc, Doc]]:
    """(workload, its pod template) for every Deployment, StatefulSet and Job."""
    for doc in k8s_objects():
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield doc, doc["spec"]["template"]


def interpolate(value: str) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}, with stand-ins for secrets."""

    def one(match: re.Match[str]) -> str:
        name, default = match["name"], match["default"]
        assert name in STAND_INS or default is not None, f"${{{name}}} has no default"
        return STAND_INS.get(name, default or "")

    return re.sub(r"\$\{(?P<name>\w+)(?::-(?P<default>[^}]*)|:\?[^}]*)?\}", one, value)


@dataclass
class Container:
    """One container of compose.yaml or the k8s manifests, as the tests look at it."""

    where: str
    image: str
    command: list[str]
    env: dict[str, str]  # effective values; secrets and ${...} replaced by stand-ins
    set_names: set[str]  # names set for it (not counting an env_file or optional secretRef)
    ports: set[int] = field(default_factory=set)
    probes: list[tuple[int, str]] = field(default_factory=list)  # (port, path)
    mounts: dict[str, str] = field(default_factory=dict)  # path -> volume (named volume or PVC)

    @property
    def role(self) -> str:
        """app, rasa, actions (`tekkie serve ...`), train, migrate, or the image's name."""
        if not self.is_tekkie:
            return self.image.split(":")[0]
        words = self.command or image_command(self.image)
        if words[:2] == ["tekkie", "serve"]:
            return words[2]
        if words[:1] == ["tekkie"]:
            return {"db": "migrate"}.get(words[1], words[1])
        return self.image

    @property
    def is_tekkie(self) -> bool:
        return self.image in CONTAINERFILES


def compose_containers() -> list[Container]:
    found = []
    for name, service in compose()["services"].items():
        raw = {key: str(value) for key, value in (service.get("environment") or {}).items()}
        image = service["image"].split(":")[0] if "build" in service else service["image"]
        container = Container(
            where=f"compose service {name}", image=image, command=service.get("command", []),
            env={key: interpolate(value) for key, value in raw.items()}, set_names=set(raw),
        )  # fmt: skip
        for published in service.get("ports", []):
            container.ports.add(int(str(published).rsplit(":", 1)[-1]))
        test = (service.get("healthcheck") or {}).get("test") or []
        container.probes += url_probes(" ".join(test) if isinstance(test, list) else test)
        for volume in service.get("volumes", []):
            source, target = str(volume).split(":")[:2]
            container.mounts[target] = source
        found.append(container)
    return found


def k8s_containers() -> list[Container]:
    config = {doc["metadata"]["name"]: doc["data"] for doc in objects_of("ConfigMap")}
    found = []
    for workload, template in pod_specs():
        spec = template["spec"]
        claims = {
            volume["name"]: volume["persistentVolumeClaim"]["claimName"]
            for volume in spec.get("volumes", []) if "persistentVolumeClaim" in volume
        }  # fmt: skip
        for item in spec.get("initContainers", []) + spec["containers"]:
            env: dict[str, str] = {}
            for source in item.get("envFrom", []):
                if "configMapRef" in source:  # a wrong name: test_config_and_secret_references
                    env.update(config.get(source["configMapRef"]["name"], {}))
            set_names = set(env)
            for entry in item.get("env", []):
                env[entry["name"]] = _k8s_value(entry, config)
                set_names.add(entry["name"])
            named_ports = {port["name"]: port["containerPort"] for port in item.get("ports", [])}
            container = Container(
                where=f"{workload['kind']} {workload['metadata']['name']}, {item['name']}",
                image=item["image"], command=item.get("command", []), env=env,
                set_names=set_names, ports=set(named_ports.values()),
            )  # fmt: skip
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                if get := item.get(probe, {}).get("httpGet"):
                    port = named_ports.get(get["port"], get["port"])
                    container.probes.append((int(port), get["path"]))
            for mount in item.get("volumeMounts", []):
                container.mounts[mount["mountPath"]] = claims.get(mount["name"], mount["name"])
            found.append(container)
    return found


def _k8s_value(entry: Doc, config: Mapping[str, Mapping[str, str]]) -> str:
    if "value" in entry:
        return str(entry["value"])
    source = entry["valueFrom"]
    if "secretKeyRef" in source:
        return STAND_INS.get(source["secretKeyRef"]["key"], "stand-in-for-another-secret")
    ref = source["configMapKeyRef"]
    return config[ref["name"]][ref["key"]]


def url_probes(text: str) -> list[tuple[int, str]]:
    """(port, path) of every http://127.0.0.1:PORT/PATH in a health check command.

    `${APP_PORT:-8000}` counts as its default, which must be the setting's own default.
    """
    found = []
    pattern = r"http://(?:127\.0\.0\.1|localhost):(?P<port>\d+|\$\{\w+:-\d+\})(?P<path>/[^\s\"']*)"
    for match in re.finditer(pattern, text):
        port = match["port"]
        if port.startswith("$"):
            name, default = port[2:-1].split(":-")
            assert Settings.model_fields[name.lower()].default == int(default), port
            port = default
        found.append((int(port), match["path"]))
    return found


def secret_settings() -> set[str]:
    """Settings that hold secrets: SecretStr fields, and the URLs that carry a password."""
    names = {"DATABASE_URL", "REDIS_URL"}
    for name, info in Settings.model_fields.items():
        annotation = info.annotation
        if annotation is SecretStr or SecretStr in getattr(annotation, "__args__", ()):
            names.add(name.upper())
    return names


class _GivenOnly(Settings):
    """Settings from the values given, never from this machine's environment or `.env`."""

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:  # fmt: skip
        return (init_settings,)


def settings_for(container: Container) -> Settings:
    """The settings the container's process reads from its environment (strings, as there)."""
    return _GivenOnly.model_validate({key.lower(): value for key, value in container.env.items()})


# Containerfiles --------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def instructions(path: Path) -> list[Instruction]:
    """The file's instructions: comments dropped, continued lines joined."""
    found, pending = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            keyword, _, arguments = pending.strip().partition(" ")
            found.append(Instruction(keyword.upper(), " ".join(arguments.split())))
            pending = ""
    return found


def image_command(image: str) -> list[str]:
    """The image's CMD (exec form)."""
    cmds = [i for i in instructions(CONTAINERFILES[image]) if i.keyword == "CMD"]
    return list(yaml.safe_load(cmds[-1].arguments)) if cmds else []


def copies(path: Path) -> list[tuple[list[str], str]]:
    """(sources, destination) of every COPY from the build context (not --from a stage)."""
    found = []
    for instruction in instructions(path):
        words = shlex.split(instruction.arguments)
        if instruction.keyword != "COPY" or any(w.startswith("--from=") for w in words):
            continue
        paths = [word for word in words if not word.startswith("--")]
        found.append((paths[:-1], paths[-1]))
    return found


def pip_installs(path: Path) -> list[list[str]]:
    """The words of every `pip install` in a RUN (one list per command of an && chain)."""
    found = []
    for instruction in instructions(path):
        if instruction.keyword == "RUN":
            for command in instruction.arguments.split("&&"):
                words = shlex.split(command)
                if "install" in words and any(w.endswith("pip") for w in words):
                    found.append(words)
    return found


def dockerignore_patterns() -> list[str]:
    lines = (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip().strip("/") for line in lines if line.strip() and line[0] != "#"]


def ignored(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves the path (relative to the repository) out of the build."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    for pattern in patterns:
        variants = (
            [pattern, pattern.removeprefix("**/")] if pattern.startswith("**/") else [pattern]
        )
        if any(fnmatch.fnmatchcase(p, v) for p in prefixes for v in variants):
            return True
        if pattern.startswith("**/") and any(
            fnmatch.fnmatchcase(part, variants[1]) for part in parts
        ):
            return True
    return False
