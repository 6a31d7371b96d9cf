"""Past one machine (design.md §12): compose.yaml runs N replicas behind an official reverse proxy with a
PostgreSQL they share, deploy/kubernetes.yaml the same image on a cluster, and the image keeps its
SQLite store in a volume. No Docker daemon or cluster here: the files are read as data."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.ship.test_dockerfile import arguments_of, exec_form, instructions

COMPOSE = ROOT / "compose.yaml"
KUBERNETES = ROOT / "deploy" / "kubernetes.yaml"
OFFICIAL_PROXIES = {"caddy", "nginx", "traefik"}
APP_PORT = 8000


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def manifests() -> dict[str, dict[str, Any]]:
    return {document["kind"]: document for document in yaml.safe_load_all(KUBERNETES.read_text())}


def image_name(service: dict[str, Any]) -> str:
    return service["image"].split(":")[0]


def health_command(service: dict[str, Any]) -> str:
    return " ".join(service["healthcheck"]["test"])


def test_the_app_runs_as_several_replicas_of_the_image(compose: dict[str, Any]) -> None:
    app = compose["services"]["app"]
    assert app["build"] == ".", "the repository's own Dockerfile"
    assert app["deploy"]["replicas"] >= 2
    assert "ports" not in app, "replicas publish no port (they would collide); only the proxy does"
    assert str(APP_PORT) in [str(port) for port in app["expose"]]


def test_an_official_proxy_is_the_only_published_port(compose: dict[str, Any]) -> None:
    published = {name: service["ports"] for name, service in compose["services"].items() if "ports" in service}
    assert list(published) == ["proxy"]
    proxy = compose["services"]["proxy"]
    assert image_name(proxy) in OFFICIAL_PROXIES
    [mapping] = published["proxy"]
    assert re.fullmatch(r"\$\{OPTIMLAB_PORT:-8000\}:80", mapping), mapping
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"


def test_the_proxy_spreads_requests_over_every_replica(compose: dict[str, Any]) -> None:
    [mount] = [volume for volume in compose["services"]["proxy"]["volumes"] if "Caddyfile" in volume]
    caddyfile = (ROOT / mount.split(":")[0]).read_text()
    assert re.search(rf"dynamic a app {APP_PORT}\b", caddyfile), "every replica, by the service's DNS name"
    assert "lb_policy" in caddyfile and "fail_duration" in caddyfile


def test_every_service_has_a_health_check(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        check = service.get("healthcheck")
        assert check, f"{name} has no health check"
        assert {"interval", "timeout", "retries"} <= set(check), name
    assert f"http://127.0.0.1:{APP_PORT}/api/health" in health_command(compose["services"]["app"])
    assert "/api/health" in health_command(compose["services"]["proxy"])
    assert "pg_isready" in health_command(compose["services"]["db"])


def test_replicas_share_the_postgresql_service(compose: dict[str, Any]) -> None:
    app, db = compose["services"]["app"], compose["services"]["db"]
    assert image_name(db) == "postgres"
    url = app["environment"]["OPTIMLAB_DATABASE_URL"]
    assert re.fullmatch(r"postgresql\+psycopg://optimlab:\$\{POSTGRES_PASSWORD:\?[^}]+\}@db:5432/optimlab", url), url
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?"), "no default password"
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])
    assert app["environment"]["FORWARDED_ALLOW_IPS"] == "*", "the rate limit must see clients, not the proxy"


def test_the_cluster_deployment_is_ready_on_api_health(manifests: dict[str, dict[str, Any]]) -> None:
    deployment, service = manifests["Deployment"], manifests["Service"]
    assert deployment["spec"]["replicas"] >= 2
    template = deployment["spec"]["template"]
    labels = template["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    [container] = template["spec"]["containers"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    readiness = container["readinessProbe"]["httpGet"]
    assert readiness["path"] == "/api/health"
    assert ports.get(readiness["port"], readiness["port"]) == APP_PORT
    [service_port] = service["spec"]["ports"]
    assert ports.get(service_port["targetPort"], service_port["targetPort"]) == APP_PORT
    database = next(env for env in container["env"] if env["name"] == "OPTIMLAB_DATABASE_URL")
    assert "secretKeyRef" in database["valueFrom"], "the database URL holds a password: from a Secret"
    assert template["spec"]["securityContext"]["runAsNonRoot"] is True


def test_the_image_keeps_its_store_in_a_volume() -> None:
    steps = instructions((ROOT / "Dockerfile").read_text())
    environment = " ".join(arguments_of(steps, "ENV")).split()
    assert "OPTIMLAB_DATA_DIR=/data" in environment
    assert exec_form(arguments_of(steps, "VOLUME")[-1]) == ["/data"]
    assert any("/data" in arguments and "optimlab" in arguments for arguments in arguments_of(steps, "RUN")), (
        "the unprivileged server must own /data to write its SQLite file"
    )
