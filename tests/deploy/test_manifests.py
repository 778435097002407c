"""The deploy files agree with the code: one container per component, on its
port, probed on its full gRPC service name, configured only with settings that
exist. No Docker or cluster needed: the files are parsed, not run."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from services.platform.components import COMPONENTS, GRPC_COMPONENTS, HTTP_COMPONENTS
from services.platform.db import RUNTIME_ROLE
from services.platform.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
K8S = DEPLOY / "k8s"
GRPC = sorted(GRPC_COMPONENTS & COMPONENTS.keys())
HTTP = sorted(HTTP_COMPONENTS & COMPONENTS.keys())  # the gateway
LISTENING = GRPC + HTTP
# The gateway only calls the gRPC APIs: it holds no database login.
WITH_DATABASE = sorted(COMPONENTS.keys() - HTTP_COMPONENTS)
SETTING_NAMES = {f"PMAAS_{field.upper()}" for field in Settings.model_fields}


@pytest.fixture(scope="module")
def defaults() -> Settings:
    """Settings as shipped: no .env, no PMAAS_* from the machine running the tests."""
    with pytest.MonkeyPatch.context() as mp:
        for name in SETTING_NAMES:
            mp.delenv(name, raising=False)
        return Settings(_env_file=None)


def full_service_name(component: str) -> str:
    return importlib.import_module(COMPONENTS[component]).SPEC.full_name


def load_all(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def every_yaml() -> list[Path]:
    return sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def k8s() -> list[dict]:
    return [doc for path in sorted(K8S.glob("*.yaml")) if path.name != "kustomization.yaml" for doc in load_all(path)]


def k8s_object(docs: list[dict], kind: str, name: str) -> dict:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name!r} in deploy/k8s, found {len(found)}"
    return found[0]


def compose_env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def k8s_env_names(docs: list[dict]) -> Iterator[tuple[str, str]]:
    for doc in docs:
        if doc["kind"] == "ConfigMap":
            for key in doc.get("data", {}):
                yield f"ConfigMap {doc['metadata']['name']}", key
        if doc["kind"] == "Secret":
            for key in {**doc.get("data", {}), **doc.get("stringData", {})}:
                if key.isupper():  # env-style keys; file keys such as public.pem are mounted
                    yield f"Secret {doc['metadata']['name']}", key
        pod = doc.get("spec", {}).get("template", {}).get("spec", {})
        for container in pod.get("containers", []) + pod.get("initContainers", []):
            for var in container.get("env", []):
                yield f"{doc['kind']} {doc['metadata']['name']}", var["name"]


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


# --- every file parses ----------------------------------------------------------


@pytest.mark.parametrize("path", every_yaml(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_document_parses(path):
    docs = load_all(path)
    assert docs, f"{path} holds no YAML document"
    assert all(isinstance(doc, dict) for doc in docs)


def test_there_is_a_grpc_component_to_deploy():
    assert GRPC, "no gRPC components found in services.platform.components"


# --- compose --------------------------------------------------------------------


@pytest.mark.parametrize("name", GRPC)
def test_compose_runs_each_component_on_its_port(compose, defaults, name):
    service = compose["services"].get(name)
    assert service is not None, f"deploy/compose.yaml has no service {name!r}"
    assert service["command"] == ["serve", name]
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    port = defaults.port_of(name)
    container_ports = {int(str(p).rsplit(":", 1)[-1].split("/")[0]) for p in service.get("ports", [])}
    assert port in container_ports, f"{name} must publish its gRPC port {port}"
    env = compose_env(service)
    assert env.get(f"PMAAS_{name.upper()}_PORT", str(port)) == str(port)
    assert env["PMAAS_HOST"] == "0.0.0.0", "a container must listen on every interface"


@pytest.mark.parametrize("name", GRPC)
def test_compose_health_checks_the_full_service_name(compose, defaults, name):
    test = compose["services"][name]["healthcheck"]["test"]
    assert f"localhost:{defaults.port_of(name)}" in test
    assert full_service_name(name) in test
    compile(test[test.index("-c") + 1], "<healthcheck>", "exec")


@pytest.mark.parametrize("name", GRPC)
def test_compose_components_wait_for_database_and_migrations(compose, name):
    depends = compose["services"][name]["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_compose_migrate_runs_once_after_postgres(compose):
    migrate = compose["services"]["migrate"]
    assert migrate["command"] == ["migrate"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" in compose["services"]["postgres"]
    assert compose["services"]["postgres"]["image"].startswith("postgres:18")


def test_compose_targets_name_services_that_exist(compose, defaults):
    for service_name, service in compose["services"].items():
        for key, value in compose_env(service).items():
            if match := re.fullmatch(r"PMAAS_([A-Z]+)_TARGET", key):
                component = match[1].lower()
                assert value == f"{component}:{defaults.port_of(component)}", f"{service_name}: {key}={value}"
                assert component in compose["services"]


def test_compose_sends_traces_to_the_collector(compose):
    config = yaml.safe_load((DEPLOY / "otel-collector.yaml").read_text())
    pipeline = config["service"]["pipelines"]["traces"]
    assert "otlp" in pipeline["receivers"] and "debug" in pipeline["exporters"]
    for section in ("receivers", "processors", "exporters"):
        assert set(pipeline.get(section, [])) <= set(config.get(section) or {}), f"undefined {section}"
    for name in GRPC:
        assert compose_env(compose["services"][name])["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4317"


def test_compose_dev_tokens_are_hs256_from_the_environment(compose):
    for name in GRPC:
        env = compose_env(compose["services"][name])
        assert env["PMAAS_JWT_ALGORITHM"] == "HS256"
        assert env["PMAAS_JWT_SECRET"].startswith("${PMAAS_JWT_SECRET")


# --- kubernetes -----------------------------------------------------------------


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    manifests = {p.name for p in K8S.iterdir() if p.suffix in (".yaml", ".yml") and p.name != "kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(manifests)


def test_k8s_has_namespace_config_secret_and_migrate_job(k8s):
    kinds = {doc["kind"] for doc in k8s}
    assert {"Namespace", "ConfigMap", "Secret", "Job", "Deployment", "Service"} <= kinds
    job = k8s_object(k8s, "Job", "pmaas-migrate")
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]


@pytest.mark.parametrize("name", GRPC)
def test_k8s_deploys_each_component_with_grpc_probes(k8s, defaults, name):
    deployment = k8s_object(k8s, "Deployment", name)
    assert deployment["spec"]["replicas"] == 2
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["args"] == ["serve", name]
    port = defaults.port_of(name)
    assert [p["containerPort"] for p in container["ports"] if p["name"] != "metrics"] == [port]
    probes = ["readinessProbe", "livenessProbe"] + (["startupProbe"] if "startupProbe" in container else [])
    for probe in probes:
        assert container[probe]["grpc"] == {"port": port, "service": full_service_name(name)}, probe
    assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
    assert {"cpu", "memory"} <= container["resources"]["limits"].keys()


@pytest.mark.parametrize("name", GRPC)
def test_k8s_service_routes_to_the_grpc_port(k8s, defaults, name):
    service = k8s_object(k8s, "Service", name)
    deployment = k8s_object(k8s, "Deployment", name)
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= deployment["spec"]["template"]["metadata"][
        "labels"].items()
    assert [p["port"] for p in service["spec"]["ports"]] == [defaults.port_of(name)]


@pytest.mark.parametrize("name", LISTENING)
def test_k8s_pods_stop_gracefully_as_non_root_on_a_read_only_fs(k8s, defaults, name):
    pod = k8s_object(k8s, "Deployment", name)["spec"]["template"]["spec"]
    config = k8s_object(k8s, "ConfigMap", "pmaas-config")["data"]
    grace = float(config.get("PMAAS_GRACE_PERIOD_S", defaults.grace_period_s))
    assert pod["terminationGracePeriodSeconds"] > grace
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    container = pod["containers"][0]["securityContext"]
    assert container["readOnlyRootFilesystem"] is True
    assert container["allowPrivilegeEscalation"] is False


def test_k8s_production_settings(k8s, defaults):
    config = k8s_object(k8s, "ConfigMap", "pmaas-config")["data"]
    assert config["PMAAS_HOST"] == "0.0.0.0"
    assert config["PMAAS_JWT_ALGORITHM"] == "RS256"
    assert config["PMAAS_JWT_PUBLIC_KEY_FILE"].startswith("/etc/pmaas/jwt/")
    assert config["OTEL_EXPORTER_OTLP_ENDPOINT"]
    assert config["PMAAS_TEMPORAL_ADDRESS"]
    for key, value in config.items():
        if match := re.fullmatch(r"PMAAS_([A-Z]+)_TARGET", key):
            component = match[1].lower()
            # Every pod's address (a headless Service), so callers balance per call, not per connection.
            assert value == f"dns:///{component}-headless:{defaults.port_of(component)}"
            assert k8s_object(k8s, "Service", f"{component}-headless")["spec"]["clusterIP"] == "None"
            k8s_object(k8s, "Service", component)
    database = k8s_object(k8s, "Secret", "pmaas-database")["stringData"]
    assert database["PMAAS_DATABASE_URL"].startswith("postgresql://")
    assert "public.pem" in k8s_object(k8s, "Secret", "pmaas-jwt")["stringData"]


# The worker's memory as `make bench` measured it (README, Latest figures): idle, per cached workflow run, and per
# open workflow past the cache; its pod must hold the cache it is given and the bench's 10,000 open workflows.
WORKER_IDLE_MIB, WORKER_PER_CACHED_MIB, WORKER_PER_OPEN_MIB, OPEN_WORKFLOWS = 140, 0.27, 24 / 1024, 10_000


def mebibytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()
    return int(number) * (1024 if unit == "Gi" else 1)


def test_k8s_worker_memory_limit_holds_its_workflow_cache(k8s, defaults):
    (container,) = k8s_object(k8s, "Deployment", "worker")["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    cache = int(env.get("PMAAS_WORKER_CACHE_SIZE", defaults.worker_cache_size))
    needed = WORKER_IDLE_MIB + cache * WORKER_PER_CACHED_MIB + OPEN_WORKFLOWS * WORKER_PER_OPEN_MIB
    assert mebibytes(container["resources"]["limits"]["memory"]) >= needed * 1.25  # headroom for bursts
    assert mebibytes(container["resources"]["requests"]["memory"]) >= WORKER_IDLE_MIB + cache * WORKER_PER_CACHED_MIB


@pytest.mark.parametrize("name", [*GRPC, "worker", "gateway"])
def test_k8s_pods_name_the_metrics_port_they_serve(k8s, name):
    metrics_port = int(k8s_object(k8s, "ConfigMap", "pmaas-config")["data"]["PMAAS_METRICS_PORT"])
    (container,) = k8s_object(k8s, "Deployment", name)["spec"]["template"]["spec"]["containers"]
    assert {"name": "metrics", "containerPort": metrics_port, "protocol": "TCP"} in container["ports"]


# --- the gateway (HTTP) -------------------------------------------------------------


@pytest.mark.parametrize("name", HTTP)
def test_compose_runs_the_gateway_on_its_port_once_every_service_is_healthy(compose, defaults, name):
    service = compose["services"][name]
    assert service["command"] == ["serve", name] and service["build"]["dockerfile"] == "deploy/Dockerfile"
    port = defaults.port_of(name)
    assert [int(str(p).rsplit(":", 1)[-1]) for p in service["ports"]] == [port]
    env = compose_env(service)
    assert env["PMAAS_HOST"] == "0.0.0.0" and env.get(f"PMAAS_{name.upper()}_PORT", str(port)) == str(port)
    assert {f"PMAAS_{c.upper()}_TARGET" for c in GRPC} <= env.keys()
    assert f"localhost:{port}/readyz" in " ".join(service["healthcheck"]["test"])
    assert {c: service["depends_on"][c]["condition"] for c in GRPC} == {c: "service_healthy" for c in GRPC}


@pytest.mark.parametrize("name", HTTP)
def test_the_gateway_holds_no_database_login_nor_token_key(compose, k8s, name):
    env = compose_env(compose["services"][name])
    assert not {"PMAAS_DATABASE_URL", "PMAAS_JWT_SECRET", *OWNER_LOGINS} & env.keys()
    deployment = k8s_object(k8s, "Deployment", name)
    assert secrets_read_by(deployment) == {"pmaas-gateway"}
    assert "PMAAS_GATEWAY_SESSION_SECRET" in k8s_object(k8s, "Secret", "pmaas-gateway")["stringData"]
    pod = deployment["spec"]["template"]["spec"]
    assert all("secret" not in volume for volume in pod.get("volumes", [])), "no JWT key mounted"


@pytest.mark.parametrize("name", HTTP)
def test_k8s_deploys_the_gateway_ready_on_readyz_alive_on_healthz(k8s, defaults, name):
    deployment = k8s_object(k8s, "Deployment", name)
    assert deployment["spec"]["replicas"] == 2
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["serve", name]
    (port,) = [p for p in container["ports"] if p["name"] != "metrics"]
    assert port["containerPort"] == defaults.port_of(name)
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port["name"]}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port["name"]}
    assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
    assert {"cpu", "memory"} <= container["resources"]["limits"].keys()
    service = k8s_object(k8s, "Service", name)
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [(port["containerPort"],
                                                                                  port["name"])]
    budget = k8s_object(k8s, "PodDisruptionBudget", name)
    assert budget["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


# --- database roles ---------------------------------------------------------------

OWNER_LOGINS = {"PMAAS_MIGRATION_DATABASE_URL", "PMAAS_ADMIN_DATABASE_URL"}


def login_of(url: str) -> str:
    return urlsplit(url).username or ""


def secrets_read_by(doc: dict) -> set[str]:
    pod = doc.get("spec", {}).get("template", {}).get("spec", {})
    return {source["secretRef"]["name"] for c in pod.get("containers", []) + pod.get("initContainers", [])
            for source in c.get("envFrom", []) if "secretRef" in source}


@pytest.mark.parametrize("name", WITH_DATABASE)
def test_compose_components_log_in_as_the_runtime_role_only(compose, name):
    env = compose_env(compose["services"][name])
    assert login_of(env["PMAAS_DATABASE_URL"]) == RUNTIME_ROLE
    assert not OWNER_LOGINS & env.keys(), f"{name} must not hold the owner's or the admin's login"


def test_compose_migrate_creates_the_roles_and_migrates_as_the_owner(compose):
    env = compose_env(compose["services"]["migrate"])
    owner = login_of(env["PMAAS_MIGRATION_DATABASE_URL"])
    assert owner and owner != RUNTIME_ROLE
    assert login_of(env["PMAAS_ADMIN_DATABASE_URL"]) == compose["services"]["postgres"]["environment"]["POSTGRES_USER"]
    assert login_of(env["PMAAS_DATABASE_URL"]) == RUNTIME_ROLE, "migrate sets the runtime role's password from it"


def test_k8s_only_the_migrate_job_holds_the_owner_and_admin_logins(k8s):
    runtime = k8s_object(k8s, "Secret", "pmaas-database")["stringData"]
    migrate = k8s_object(k8s, "Secret", "pmaas-database-migrate")["stringData"]
    assert runtime.keys() == {"PMAAS_DATABASE_URL"} and login_of(runtime["PMAAS_DATABASE_URL"]) == RUNTIME_ROLE
    assert migrate.keys() == OWNER_LOGINS
    assert login_of(migrate["PMAAS_MIGRATION_DATABASE_URL"]) not in ("", RUNTIME_ROLE)
    holders = {f"{d['kind']} {d['metadata']['name']}" for d in k8s if "pmaas-database-migrate" in secrets_read_by(d)}
    assert holders == {"Job pmaas-migrate"}
    assert all("pmaas-database" in secrets_read_by(k8s_object(k8s, "Deployment", name)) for name in WITH_DATABASE)


# --- settings names ---------------------------------------------------------------


def test_every_pmaas_variable_is_a_real_setting(compose, k8s):
    used: list[tuple[str, str]] = []
    for service_name, service in compose["services"].items():
        used += [(f"compose {service_name}", key) for key in compose_env(service)]
    used += list(k8s_env_names(k8s))
    used += [("Dockerfile", m) for kind, args in dockerfile_instructions() if kind == "ENV"
             for m in re.findall(r"\b(PMAAS_\w+)=", args)]
    unknown = sorted({(where, key) for where, key in used if key.startswith("PMAAS_") and key not in SETTING_NAMES})
    assert not unknown, f"not fields of Settings: {unknown}"
    assert any(key.startswith("PMAAS_") for _, key in used)


# --- Dockerfile -----------------------------------------------------------------


def test_dockerfile_runs_pmaas_as_non_root():
    instructions = dockerfile_instructions()
    final_stage = instructions[max(i for i, (kind, _) in enumerate(instructions) if kind == "FROM"):]
    assert final_stage[0][1].startswith("python:3.11-slim")
    entrypoint = [json.loads(args) for kind, args in instructions if kind == "ENTRYPOINT"]
    cmd = [json.loads(args) for kind, args in instructions if kind == "CMD"]
    assert entrypoint[-1] == ["pmaas"]
    assert cmd[-1] == ["serve", "projects"]
    users = [args.split(":")[0] for kind, args in final_stage if kind == "USER"]
    assert users and users[-1] not in ("root", "0"), "the final stage must switch to a non-root USER"


def test_dockerfile_installs_the_project_without_dev_extras():
    runs = " ".join(args for kind, args in dockerfile_instructions() if kind == "RUN")
    assert re.search(r"pip install (\S+ )*\.(\s|$)", runs), "expected `pip install .`"
    assert "[dev]" not in runs
