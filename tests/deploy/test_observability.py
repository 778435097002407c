"""The Grafana dashboard, the Prometheus alert rules and scrape config, and the scale-out manifests agree with the
code: every series a query names is one a component exports, named as Prometheus shows it; every query is
well-formed PromQL; every alert can page someone with a summary and a runbook; the autoscalers and disruption
budgets point at pods that exist. Static: the files are parsed, nothing is run (the metric names come from the
instruments the code registers, put through the OpenTelemetry Prometheus exporter itself, in memory)."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator

import pytest
import yaml
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.metrics import Observation
from opentelemetry.sdk.metrics import MeterProvider
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from services.platform.components import COMPONENTS, GRPC_COMPONENTS
from tests.deploy.test_manifests import DEPLOY, K8S, k8s_object, load_all

ROOT = DEPLOY.parent
DASHBOARD = DEPLOY / "grafana" / "pmaas.json"
ALERTS = DEPLOY / "prometheus" / "alerts.yaml"
SCRAPE = DEPLOY / "prometheus" / "prometheus.yaml"
JOB = "pmaas"

# Series a library exports in our processes, not an instrument of ours; as tests/services/platform/test_metrics.py
# scrapes them from running components.
LIBRARY_SERIES = {
    # opentelemetry-instrumentation-fastapi (the gateway): the `http.server.duration` histogram, in ms.
    "http_server_duration_milliseconds_bucket", "http_server_duration_milliseconds_count",
    "http_server_duration_milliseconds_sum",
    # temporalio's SDK (Core) metrics, drained from its MetricBuffer by services/platform/metrics.py
    # temporal_runtime(): worker task slots, schedule-to-start latencies (histograms, seconds), failed activities.
    "temporal_worker_task_slots_available",
    "temporal_activity_schedule_to_start_latency_seconds_bucket",
    "temporal_activity_schedule_to_start_latency_seconds_count",
    "temporal_activity_schedule_to_start_latency_seconds_sum",
    "temporal_workflow_task_schedule_to_start_latency_seconds_bucket",
    "temporal_workflow_task_schedule_to_start_latency_seconds_count",
    "temporal_workflow_task_schedule_to_start_latency_seconds_sum",
    "temporal_activity_execution_failed_total",
    # Prometheus itself, per scrape target.
    "up",
}
LIBRARY_LABELS = {
    "http_target", "http_status_code", "http_method",  # the FastAPI instrumentation
    "worker_type", "activity_type", "workflow_type", "task_queue", "namespace",  # temporalio
    "le",  # histogram buckets
    "job", "instance", "component", "pod",  # the scrape config (deploy/prometheus/prometheus.yaml)
}

_ONE_VALUE = {"create_counter": "add", "create_up_down_counter": "add", "create_histogram": "record",
              "create_gauge": "set"}
_INSTRUMENTS = {*_ONE_VALUE, "create_observable_counter", "create_observable_up_down_counter",
                "create_observable_gauge"}


def registered_instruments() -> Iterator[tuple[str, str, str]]:
    """(kind, name, unit) of every instrument created with a literal name under services/."""
    for path in sorted((ROOT / "services").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in _INSTRUMENTS and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                unit = next((k.value.value for k in node.keywords
                             if k.arg == "unit" and isinstance(k.value, ast.Constant)), "")
                yield node.func.attr, node.args[0].value, unit


def attribute_keys() -> set[str]:
    """Attribute keys our code may record, as labels: the string keys of the dict literals in the modules that
    create instruments, but for a log call's `extra` and a Resource's attributes."""
    keys: set[str] = set()
    for path in sorted((ROOT / "services").rglob("*.py")):
        text = path.read_text()
        if not any(f".{name}(" in text for name in _INSTRUMENTS):
            continue
        tree = ast.parse(text)
        not_attributes = {id(value) for call in ast.walk(tree) if isinstance(call, ast.Call)
                          for value in [*(k.value for k in call.keywords if k.arg == "extra"),
                                        *(call.args if getattr(call.func, "attr", "") == "create" else ())]}
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict) and id(node) not in not_attributes:
                keys |= {re.sub(r"[^a-zA-Z0-9_]", "_", k.value) for k in node.keys
                         if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return keys


@pytest.fixture(scope="module")
def exported() -> set[str]:
    """The sample names Prometheus sees for our instruments: each created in a private MeterProvider with the
    same kind, name and unit, given one value, and rendered by the Prometheus exporter the components use."""
    registry = CollectorRegistry()
    reader = PrometheusMetricReader(registry=registry)
    provider = MeterProvider(metric_readers=[reader])
    meter = provider.get_meter("tests.deploy")
    instruments = list(registered_instruments())
    assert {name for _, name, _ in instruments} >= {"rpc.server.call.duration", "pmaas.governance.tasks.open"}
    for kind, name, unit in instruments:
        if kind.startswith("create_observable_"):
            getattr(meter, kind)(name, [lambda options: [Observation(1)]], unit=unit)
        else:
            instrument = getattr(meter, kind)(name, unit=unit)
            getattr(instrument, _ONE_VALUE[kind])(1)
    try:
        text = generate_latest(registry).decode()
    finally:
        provider.shutdown()
    return {s.name for family in text_string_to_metric_families(text) for s in family.samples}


@pytest.fixture(scope="module")
def known_series(exported) -> set[str]:
    return exported | LIBRARY_SERIES


def test_the_exporter_names_our_instruments_as_the_metrics_test_scrapes_them(exported):
    # Dots become underscores, the unit a suffix ({connection} none), counters gain _total, histograms
    # _bucket/_sum/_count: the names tests/services/platform/test_metrics.py finds on a running stack.
    assert {"rpc_server_call_duration_seconds_bucket", "rpc_server_call_duration_seconds_count",
            "db_client_connection_count", "db_client_connection_max", "pmaas_governance_tasks_open",
            "pmaas_governance_escalations_open", "pmaas_governance_sla_breaches_total",
            "pmaas_governance_billing_cycles_failed_total"} <= exported


# --- PromQL ---------------------------------------------------------------------------------------
# No PromQL parser is packaged for Python; this lexer knows enough of the grammar to check brackets,
# functions and to tell metric names from labels, keywords and functions.

FUNCTIONS = {
    "abs", "absent", "absent_over_time", "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min",
    "count_over_time", "delta", "deriv", "exp", "floor", "histogram_quantile", "idelta", "increase", "irate",
    "label_join", "label_replace", "last_over_time", "ln", "max_over_time", "min_over_time", "predict_linear",
    "quantile_over_time", "rate", "resets", "round", "scalar", "sort", "sort_desc", "sum_over_time", "time",
    "timestamp", "vector",
}
AGGREGATIONS = {"sum", "min", "max", "avg", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile",
                "count_values"}
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = LABEL_LIST_KEYWORDS | {"and", "or", "unless", "bool", "offset", "inf", "nan"}
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<duration>(?:\d+(?:ms|[smhdwy]))+)
  | (?P<number>\d+(?:\.\d+)?(?:e[+-]?\d+)?)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<op>==|!=|>=|<=|=~|!~|[-+*/%^<>=,:])
  | (?P<bracket>[(){}\[\]])
""", re.VERBOSE)
_PAIRS = {")": "(", "}": "{", "]": "["}
# Grafana's variables, as a query is sent: an interval, or a value inside a label matcher's string.
GRAFANA_INTERVALS = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "6h"}


def tokens(expr: str) -> list[tuple[str, str]]:
    out, at = [], 0
    while at < len(expr):
        match = _TOKEN.match(expr, at)
        assert match, f"cannot read PromQL at {expr[at:at + 20]!r} in {expr!r}"
        if match.lastgroup != "space":
            out.append((match.lastgroup, match.group()))
        at = match.end()
    return out


def check_promql(expr: str) -> tuple[set[str], set[str]]:
    """The metric names and label names `expr` uses; fails on unbalanced brackets, unknown functions, a label
    matcher without a quoted value or a range without a duration."""
    for variable, value in GRAFANA_INTERVALS.items():
        expr = expr.replace(variable, value)
    toks = tokens(expr)
    metrics, labels, stack = set(), set(), []
    for i, (kind, text) in enumerate(toks):
        after = toks[i + 1] if i + 1 < len(toks) else ("", "")
        before = toks[i - 1] if i else ("", "")
        inside = stack[-1] if stack else ""
        if kind == "bracket":
            if text in "({[":
                stack.append("labels" if text == "(" and before[1] in LABEL_LIST_KEYWORDS else text)
            else:
                assert stack and _PAIRS[text] == stack.pop().replace("labels", "("), f"unbalanced {text!r}: {expr}"
        elif inside == "[":
            assert kind == "duration" or (kind, text) == ("op", ":"), f"a range holds durations only: {expr}"
        elif kind == "ident" and inside == "{":
            assert after[0] == "op" and after[1] in ("=", "!=", "=~", "!~"), f"label {text} without a matcher"
            assert toks[i + 2][0] == "string", f"label {text} must be matched against a quoted string: {expr}"
            labels.add(text)
        elif kind == "ident" and inside == "labels":
            labels.add(text)
        elif kind == "ident" and text in KEYWORDS:
            pass
        elif kind == "ident" and (after[1] == "(" or (after[1] in ("by", "without") and text in AGGREGATIONS)):
            assert text in FUNCTIONS | AGGREGATIONS, f"unknown PromQL function {text!r} in {expr}"
        elif kind == "ident":
            metrics.add(text)
    assert not stack, f"unclosed {stack} in {expr}"
    assert metrics, f"no series in {expr}"
    return metrics, labels


def test_the_promql_check_refuses_what_prometheus_would():
    assert check_promql('sum by (le) (rate(a_bucket{job="x"}[5m]))') == ({"a_bucket"}, {"le", "job"})
    for bad in ('sum(rate(a[5m])', 'rate(a[5m]))', 'rat(a[5m])', 'a{job=x}', 'rate(a[x])', 'a{job="x"]'):
        with pytest.raises(AssertionError):
            check_promql(bad)


def check_uses_known_series(expr: str, known_series: set[str]) -> None:
    metrics, labels = check_promql(expr)
    assert metrics <= known_series, f"not exported by any component: {sorted(metrics - known_series)} in {expr}"
    known_labels = attribute_keys() | LIBRARY_LABELS
    assert labels <= known_labels, f"no series carries the labels {sorted(labels - known_labels)}: {expr}"


# --- the dashboard --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def panels(dashboard: dict) -> list[dict]:
    found = []
    for panel in dashboard["panels"]:
        found += [panel] if panel["type"] != "row" else panel.get("panels", [])
    return found


def test_the_dashboard_has_a_prometheus_datasource_and_a_component_variable(dashboard):
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    component = variables["component"]
    assert component["type"] == "query" and component["multi"] and component["includeAll"]
    assert component["datasource"]["uid"] == "${datasource}"
    assert dashboard["schemaVersion"] >= 36 and dashboard["uid"]


def test_every_panel_queries_the_chosen_datasource(dashboard):
    assert len(panels(dashboard)) >= 15
    for panel in panels(dashboard):
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], f"panel {panel['title']!r} has no query"
        assert all(t["expr"].strip() and t["refId"] for t in panel["targets"]), panel["title"]
        assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"])


def test_the_dashboard_queries_only_series_the_components_export(dashboard, known_series):
    for panel in panels(dashboard):
        for target in panel["targets"]:
            check_uses_known_series(target["expr"], known_series)


def test_the_dashboard_shows_every_signal_operators_watch(dashboard):
    exprs = " ".join(t["expr"] for p in panels(dashboard) for t in p["targets"])
    for needed in ("rpc_server_call_duration_seconds_count", "rpc_server_call_duration_seconds_bucket",
                   "rpc_grpc_status_code", "db_client_connection_max", "db_client_connection_count",
                   "temporal_worker_task_slots_available", "temporal_workflow_task_schedule_to_start_latency",
                   "temporal_activity_schedule_to_start_latency", "sla_state", "age)",
                   "pmaas_governance_sla_breaches_total", "pmaas_governance_escalations_open",
                   "temporal_activity_execution_failed_total", "pmaas_governance_billing_cycles_failed_total",
                   "http_server_duration_milliseconds_count", "http_server_duration_milliseconds_bucket"):
        assert needed in exprs, f"no panel shows {needed}"
    assert "histogram_quantile(0.99" in exprs and "histogram_quantile(0.5" in exprs


# --- the alert rules --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alerts() -> list[dict]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    assert all(g["name"] and g["rules"] for g in groups)
    return [rule for group in groups for rule in group["rules"]]


def test_every_alert_has_an_expression_a_duration_a_severity_and_a_runbook(alerts):
    names = [rule["alert"] for rule in alerts]
    assert len(names) == len(set(names)), "alert names repeat"
    for rule in alerts:
        assert rule["expr"].strip(), rule["alert"]
        assert re.fullmatch(r"\d+[smh]", str(rule["for"])), f"{rule['alert']}: for {rule.get('for')!r}"
        assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
        for annotation in ("summary", "description", "runbook"):
            assert rule["annotations"][annotation].strip(), f"{rule['alert']} has no {annotation}"


def test_alerts_query_only_series_the_components_export(alerts, known_series):
    for rule in alerts:
        check_uses_known_series(rule["expr"], known_series)
        assert f'job="{JOB}"' in rule["expr"], f"{rule['alert']} must select the pmaas scrape job"


def test_the_alerts_cover_what_the_issue_pages_for(alerts):
    by_series = {rule["alert"]: rule["expr"] for rule in alerts}
    covered = " ".join(by_series.values())
    for needed in ("pmaas_governance_sla_breaches_total", "temporal_workflow_task_schedule_to_start_latency",
                   "pmaas_governance_tasks_open", "rpc_server_call_duration_seconds_count",
                   "temporal_activity_schedule_to_start_latency", "pmaas_governance_billing_cycles_failed_total",
                   "up{"):
        assert needed in covered, f"no alert on {needed}"


def test_the_rpc_error_alert_counts_server_failures_only(alerts):
    (rule,) = [r for r in alerts if r["alert"] == "PmaasRpcErrorRateHigh"]
    codes = set(re.search(r'rpc_grpc_status_code=~"([^"]+)"', rule["expr"])[1].split("|"))
    # UNKNOWN, DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE; never a caller's NOT_FOUND or INVALID_ARGUMENT.
    assert codes == {"2", "4", "13", "14"}


# --- the scrape config --------------------------------------------------------------------------------


def test_prometheus_scrapes_the_pods_metrics_port_and_loads_the_alerts():
    config = yaml.safe_load(SCRAPE.read_text())
    assert (SCRAPE.parent / config["rule_files"][0]).resolve() == ALERTS.resolve()
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == JOB]
    assert job["kubernetes_sd_configs"][0]["role"] == "pod"
    relabel = job["relabel_configs"]
    component = [r for r in relabel if r.get("target_label") == "component"]
    assert component[0]["source_labels"] == ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]


def scraped_port(relabel: list[dict], pod_name: str, ports: list[dict]) -> int | None:
    """The port Prometheus scrapes on a pod of `pod_name` (app.kubernetes.io/name) with these container ports,
    by applying the keep and __address__ rules as Prometheus does; None when none of its targets is kept."""
    for port in ports:
        meta = {"__meta_kubernetes_pod_label_app_kubernetes_io_part_of": "pmaas",
                "__meta_kubernetes_pod_phase": "Running",
                "__meta_kubernetes_pod_label_app_kubernetes_io_name": pod_name,
                "__meta_kubernetes_pod_container_port_name": port["name"],
                "__meta_kubernetes_pod_ip": "10.0.0.7", "__address__": f"10.0.0.7:{port['containerPort']}"}
        kept = True
        for rule in relabel:
            value = ";".join(meta.get(label, "") for label in rule.get("source_labels", []))
            match = re.fullmatch(rule.get("regex", "(.*)"), value)
            if (rule.get("action") == "keep" and not match) or (rule.get("action") == "drop" and match):
                kept = False
            elif rule.get("target_label") == "__address__" and match:
                meta["__address__"] = match.expand(rule["replacement"].replace("$1", r"\1"))
        if kept:
            return int(meta["__address__"].rsplit(":", 1)[1])
    return None


def test_prometheus_scrapes_every_component_on_its_metrics_port(k8s):
    (job,) = [j for j in yaml.safe_load(SCRAPE.read_text())["scrape_configs"] if j["job_name"] == JOB]
    metrics_port = int(k8s_object(k8s, "ConfigMap", "pmaas-config")["data"]["PMAAS_METRICS_PORT"])
    for name in COMPONENTS:
        (container,) = k8s_object(k8s, "Deployment", name)["spec"]["template"]["spec"]["containers"]
        assert scraped_port(job["relabel_configs"], name, container["ports"]) == metrics_port, name
    assert scraped_port(job["relabel_configs"], "projects", [{"name": "grpc", "containerPort": 50051}]) is None


# --- scale-out ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def k8s() -> list[dict]:
    return [doc for path in sorted(K8S.glob("*.yaml")) if path.name != "kustomization.yaml" for doc in load_all(path)]


def deployments(k8s: list[dict]) -> list[dict]:
    return [d for d in k8s if d["kind"] == "Deployment"]


def selects(selector: dict, deployment: dict) -> bool:
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    return bool(selector) and selector.items() <= pod_labels.items()


def test_every_component_scales_on_cpu_between_two_and_more_replicas(k8s):
    hpas = {d["metadata"]["name"]: d for d in k8s if d["kind"] == "HorizontalPodAutoscaler"}
    assert set(COMPONENTS) <= hpas.keys(), f"no autoscaler for {sorted(set(COMPONENTS) - hpas.keys())}"
    for name, hpa in hpas.items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        target = hpa["spec"]["scaleTargetRef"]
        assert target["apiVersion"] == "apps/v1" and target["kind"] == "Deployment"
        deployment = k8s_object(k8s, "Deployment", target["name"])
        assert hpa["spec"]["minReplicas"] == deployment["spec"]["replicas"] < hpa["spec"]["maxReplicas"], name
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["type"] == "Utilization"
        # Utilization is of the CPU request: every container must request CPU.
        assert all("cpu" in c["resources"]["requests"] for c in deployment["spec"]["template"]["spec"]["containers"])


def test_every_deployment_has_one_disruption_budget_over_its_pods(k8s):
    budgets = [d for d in k8s if d["kind"] == "PodDisruptionBudget"]
    for budget in budgets:
        assert any(selects(budget["spec"]["selector"]["matchLabels"], d) for d in deployments(k8s)), \
            f"PodDisruptionBudget {budget['metadata']['name']} selects no pods"
    for deployment in deployments(k8s):
        covering = [b for b in budgets if selects(b["spec"]["selector"]["matchLabels"], deployment)]
        assert len(covering) == 1, f"Deployment {deployment['metadata']['name']}: {len(covering)} budgets"
        assert covering[0]["spec"]["minAvailable"] < deployment["spec"]["replicas"], "a drain could never evict"


@pytest.mark.parametrize("name", sorted(GRPC_COMPONENTS & COMPONENTS.keys()))
def test_each_grpc_service_has_a_headless_service_over_its_pods_for_per_call_balancing(k8s, name):
    headless = k8s_object(k8s, "Service", f"{name}-headless")
    service = k8s_object(k8s, "Service", name)
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"]["selector"] == service["spec"]["selector"]
    assert headless["spec"]["ports"] == service["spec"]["ports"]


KEDA = DEPLOY / "overlays" / "keda"


def test_the_keda_overlay_scales_the_worker_on_its_task_queue_backlog_in_place_of_its_cpu_hpa(k8s):
    kustomization = yaml.safe_load((KEDA / "kustomization.yaml").read_text())
    assert (KEDA / kustomization["resources"][0]).resolve() == K8S.resolve()
    (scaled,) = [d for name in kustomization["resources"][1:] for d in load_all(KEDA / name)]
    assert scaled["kind"] == "ScaledObject" and scaled["spec"]["scaleTargetRef"]["name"] == "worker"
    config = k8s_object(k8s, "ConfigMap", "pmaas-config")["data"]
    (temporal,) = [t["metadata"] for t in scaled["spec"]["triggers"] if t["type"] == "temporal"]
    assert temporal["endpoint"] == config["PMAAS_TEMPORAL_ADDRESS"]
    assert temporal["namespace"] == config["PMAAS_TEMPORAL_NAMESPACE"]
    assert temporal["taskQueue"] == config["PMAAS_TEMPORAL_TASK_QUEUE"]
    hpa = k8s_object(k8s, "HorizontalPodAutoscaler", "worker")["spec"]
    assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (hpa["minReplicas"],
                                                                                      hpa["maxReplicas"])
    # KEDA makes its own HPA for the worker: the base's goes, and so does the Deployment's fixed replica count.
    patches = [yaml.safe_load(p["patch"]) for p in kustomization["patches"]]
    deleted = [p for p in patches if isinstance(p, dict) and p.get("$patch") == "delete"]
    assert [(p["kind"], p["metadata"]["name"]) for p in deleted] == [("HorizontalPodAutoscaler", "worker")]
    (removal,) = [(p["target"], yaml.safe_load(p["patch"])) for p in kustomization["patches"] if "target" in p]
    assert removal == ({"kind": "Deployment", "name": "worker"}, [{"op": "remove", "path": "/spec/replicas"}])


def test_temporal_values_use_an_external_postgresql_and_no_bundled_stores():
    values = yaml.safe_load((DEPLOY / "temporal" / "values.yaml").read_text())
    persistence = values["server"]["config"]["persistence"]
    for store in ("default", "visibility"):
        assert persistence[store]["driver"] == "sql"
        sql = persistence[store]["sql"]
        assert sql["driver"].startswith("postgres") and sql["existingSecret"] and "password" not in sql
    assert persistence["default"]["sql"]["database"] != persistence["visibility"]["sql"]["database"]
    assert not any(values[bundled]["enabled"] for bundled in
                   ("cassandra", "mysql", "postgresql", "elasticsearch", "prometheus", "grafana"))
    namespaces = [n["name"] for n in values["server"]["config"]["namespaces"]["namespace"]]
    config = k8s_object([d for d in load_all(K8S / "configmap.yaml")], "ConfigMap", "pmaas-config")["data"]
    assert config["PMAAS_TEMPORAL_NAMESPACE"] in namespaces
    assert config["PMAAS_TEMPORAL_ADDRESS"].endswith(":7233")
