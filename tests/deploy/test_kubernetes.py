"""deploy/k8s/: complete objects, selectors that find their pods, Rasa by pod name, no secrets."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.deploy.deployment import (
    SECRET_TEMPLATE,
    Doc,
    k8s_containers,
    k8s_objects,
    kustomization,
    objects_of,
    pod_specs,
    secret_settings,
    settings_for,
    yaml_documents,
)


def _pods() -> list[tuple[Doc, dict[str, str]]]:
    """(workload, its pods' labels)."""
    return [(doc, tpl["metadata"].get("labels", {})) for doc, tpl in pod_specs()]


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and selector.items() <= labels.items()


def _containers_of(workload: Doc) -> list[Any]:
    spec = workload["spec"]["template"]["spec"]
    return list(spec.get("initContainers", [])) + list(spec["containers"])


def test_objects_have_api_version_kind_and_name_and_no_namespace() -> None:
    assert "namespace" not in kustomization()
    for doc in k8s_objects():
        assert doc.get("apiVersion"), doc
        assert doc.get("kind"), doc
        assert doc.get("metadata", {}).get("name"), doc
        assert "namespace" not in doc["metadata"], doc["metadata"]["name"]


def test_workload_selectors_match_their_pod_labels() -> None:
    for doc, labels in _pods():
        if doc["kind"] != "Job":  # a Job's selector is made for it
            assert _selects(doc["spec"]["selector"]["matchLabels"], labels), doc["metadata"]


def test_services_select_pods_that_have_their_target_ports() -> None:
    for service in objects_of("Service"):
        selected = [doc for doc, labels in _pods() if _selects(service["spec"]["selector"], labels)]
        assert selected, f"Service {service['metadata']['name']} selects no pods"
        for port in service["spec"]["ports"]:
            for doc in selected:
                offered = [p for c in _containers_of(doc) for p in c.get("ports", [])]
                target = port.get("targetPort", port["port"])
                assert any(target in (p.get("name"), p["containerPort"]) for p in offered), port


def test_rasa_urls_name_every_pod_of_the_rasa_statefulset_behind_its_headless_service() -> None:
    (rasa,) = objects_of("StatefulSet")
    service = next(
        s for s in objects_of("Service") if s["metadata"]["name"] == rasa["spec"]["serviceName"]
    )
    assert service["spec"].get("clusterIP") == "None"  # headless: one DNS name per pod
    assert _selects(service["spec"]["selector"], rasa["spec"]["template"]["metadata"]["labels"])
    (port,) = [p["port"] for p in service["spec"]["ports"]]
    name, replicas = rasa["metadata"]["name"], rasa["spec"]["replicas"]
    expected = [f"http://{name}-{n}.{service['metadata']['name']}:{port}" for n in range(replicas)]
    for container in k8s_containers():
        if container.role == "app":
            assert settings_for(container).rasa_server_urls == expected
    assert replicas >= 2


def test_the_action_server_is_reached_through_its_service() -> None:
    services = {s["metadata"]["name"]: s for s in objects_of("Service")}
    for container in k8s_containers():
        if container.role in ("app", "rasa"):
            address = urlsplit(settings_for(container).action_server_url)
            service = services[str(address.hostname)]
            assert address.port in [p["port"] for p in service["spec"]["ports"]]
            pods = [d for d, labels in _pods() if _selects(service["spec"]["selector"], labels)]
            assert [d["spec"]["template"]["spec"]["containers"][0]["command"] for d in pods] == [
                ["tekkie", "serve", "actions"]
            ]


def test_the_app_is_autoscaled_on_cpu_from_at_least_two_pods() -> None:
    (hpa,) = objects_of("HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    (app,) = [d for d in objects_of(target["kind"]) if d["metadata"]["name"] == target["name"]]
    assert _containers_of(app)[0]["command"] == ["tekkie", "serve", "app"]
    assert app["spec"]["replicas"] == hpa["spec"]["minReplicas"] == 2
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]


def test_disruption_budgets_select_pods() -> None:
    for budget in objects_of("PodDisruptionBudget"):
        selector = budget["spec"]["selector"]["matchLabels"]
        assert any(_selects(selector, labels) for _, labels in _pods()), budget["metadata"]


def test_volumes_claim_the_read_write_many_models_claim() -> None:
    claims = {doc["metadata"]["name"]: doc for doc in objects_of("PersistentVolumeClaim")}
    used = set()
    for _, template in pod_specs():
        for volume in template["spec"].get("volumes", []):
            if "persistentVolumeClaim" in volume:
                used.add(volume["persistentVolumeClaim"]["claimName"])
    assert used
    assert used <= set(claims)
    assert all(claims[name]["spec"]["accessModes"] == ["ReadWriteMany"] for name in used)


def test_config_and_secret_references_exist() -> None:
    config_maps = {doc["metadata"]["name"] for doc in objects_of("ConfigMap")}
    (template,) = yaml_documents(SECRET_TEMPLATE)
    for doc, _ in _pods():
        for container in _containers_of(doc):
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_maps
                else:
                    assert source["secretRef"]["name"] == template["metadata"]["name"]
            for entry in container.get("env", []):
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                assert ref is None or ref["name"] == template["metadata"]["name"], entry


def test_secrets_come_only_from_the_secret_and_none_is_written_down() -> None:
    secrets = secret_settings()
    assert {"RASA_TOKEN", "TELEGRAM_BOT_TOKEN", "DATABASE_URL"} <= secrets
    assert not objects_of("Secret")  # `apply -k` never overwrites the real one
    for config in objects_of("ConfigMap"):
        assert not secrets & set(config["data"]), config["metadata"]["name"]
    for doc, _ in _pods():
        for container in _containers_of(doc):
            for entry in container.get("env", []):
                if entry["name"] in secrets:
                    assert "secretKeyRef" in entry.get("valueFrom", {}), entry
    (template,) = yaml_documents(SECRET_TEMPLATE)
    assert set(template["stringData"].values()) == {""}


def test_pods_are_hardened_and_get_no_service_links() -> None:
    for doc, template in pod_specs():
        spec = template["spec"]
        # A Service named app would set APP_PORT=tcp://10.0.0.1:8000 in every later pod.
        assert spec.get("enableServiceLinks") is False, doc["metadata"]["name"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] != 0
        for container in _containers_of(doc):
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["resources"]["requests"], container["name"]
            assert container["resources"]["limits"], container["name"]
