"""Issue 29, metrics and alerts: /metrics on each process's own listener (never through nginx), a
real Prometheus (Debian's package) scraping a running stack, promtool on the exposition and on the
alert rules shipped in scripts/monitoring."""
import json
import pathlib
import re
import shutil
import subprocess
import time

import pytest
import requests

from harness import ROOT, free_port

MONITORING = ROOT / "scripts" / "monitoring"
pytestmark = pytest.mark.skipif(shutil.which("prometheus") is None or shutil.which("promtool") is None,
                                reason="Debian's prometheus package (scripts/setup --test installs it)")


def scrape(address):
    answer = requests.get(f"http://{address}/metrics", timeout=10)
    assert answer.status_code == 200
    return answer.text


@pytest.fixture
def metered(fresh_stack):
    return fresh_stack(connections=50, processes=2, metrics=True).start()


def test_metrics_are_served_on_each_process_listener_not_through_nginx(metered):
    stack = metered
    admin = stack.admin
    for _ in range(5):
        assert admin.get(stack.base + "/connections", timeout=10).status_code == 200
    assert requests.get(stack.base + "/metrics", timeout=10).status_code == 404, "nginx does not expose /metrics"
    assert requests.get(f"http://{stack.metrics_addresses[0]}/other", timeout=10).status_code == 404
    for address in stack.metrics_addresses:
        assert requests.get(f"http://{address}/healthz", timeout=10).text == "ok\n"
        assert requests.get(f"http://{address}/readyz", timeout=10).text == "ready\n", "what systemd's ExecStartPost asks"
    text = "".join(scrape(address) for address in stack.metrics_addresses)
    served = sum(float(value) for value in re.findall(
        r'^connections_http_request_duration_seconds_count\{route="/connections",status="200"\} (\S+)$', text, re.M))
    assert served >= 5
    for name in ("connections_db_statement_duration_seconds_bucket", "connections_write_gate_wait_seconds_count",
                 "connections_sign_ins_total", "connections_cache_lookups_total", "connections_outbox_waiting",
                 "connections_outbox_oldest_age_seconds", "process_start_time_seconds", "process_resident_memory_bytes",
                 "process_open_fds"):
        assert re.search(rf"^{name}\b", text, re.M), name


def test_promtool_check_metrics_passes_on_the_exposition(metered):
    stack = metered
    stack.admin.get(stack.base + "/connections", timeout=10)
    requests.get(stack.base + "/no/such/page", timeout=10)
    for address in stack.metrics_addresses:
        check = subprocess.run(["promtool", "check", "metrics"], input=scrape(address), capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def test_the_alert_rules_pass_promtool_check_and_their_tests():
    check = subprocess.run(["promtool", "check", "rules", str(MONITORING / "alerts.yml")], capture_output=True, text=True)
    assert check.returncode == 0 and "SUCCESS: 6 rules found" in check.stdout, check.stdout + check.stderr
    tested = subprocess.run(["promtool", "test", "rules", "alerts.test.yml"], cwd=MONITORING, capture_output=True, text=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    config = subprocess.run(["promtool", "check", "config", str(MONITORING / "prometheus.yml")], capture_output=True, text=True)
    assert config.returncode == 0, config.stdout + config.stderr


def test_the_grafana_dashboard_queries_only_metrics_the_app_exposes(metered):
    stack = metered
    stack.admin.get(stack.base + "/connections", timeout=10)
    exposed = set(re.findall(r"^([a-z_]+)", scrape(stack.metrics_addresses[0]), re.M)) | {"up"}
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    named = {name for expr in expressions for name in re.findall(r"\b((?:connections|process)_[a-z_]+|up)\b", expr)}
    assert named and named <= exposed, named - exposed
    assert {panel["title"].split(":")[0] for panel in dashboard["panels"]} >= {"Traffic", "Errors", "Latency", "Saturation"}


def test_a_real_prometheus_scrapes_the_stack_and_answers_the_request_rate(metered, tmp_path):
    stack = metered
    config = tmp_path / "prometheus.yml"
    rules = tmp_path / "alerts.yml"
    shutil.copy(MONITORING / "alerts.yml", rules)
    config.write_text("global: {scrape_interval: 1s, evaluation_interval: 1s}\nrule_files: [alerts.yml]\n"
                      "scrape_configs:\n  - job_name: connections\n    static_configs:\n"
                      f"      - targets: {json.dumps(stack.metrics_addresses)}\n")
    port = free_port()
    prometheus = subprocess.Popen(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
                                   f"--web.listen-address=127.0.0.1:{port}"],
                                  stdout=subprocess.DEVNULL, stderr=open(tmp_path / "prometheus.log", "w"))
    try:
        api = f"http://127.0.0.1:{port}/api/v1/query"

        def query(expr):
            try:
                answer = requests.get(api, params={"query": expr}, timeout=5).json()
            except (requests.RequestException, ValueError):
                return []
            return answer.get("data", {}).get("result", [])

        admin = stack.admin
        deadline = time.time() + 60
        rate = []
        while time.time() < deadline:
            for _ in range(10):
                admin.get(stack.base + "/connections", timeout=10)
            rate = query('sum(rate(connections_http_request_duration_seconds_count{route="/connections"}[5s]))')
            if rate and float(rate[0]["value"][1]) > 0:
                break
            time.sleep(0.5)
        assert rate and float(rate[0]["value"][1]) > 0, (tmp_path / "prometheus.log").read_text()[-2000:]
        up = query('up{job="connections"}')
        assert sorted(float(series["value"][1]) for series in up) == [1.0, 1.0]
        assert not [a for a in query("ALERTS") if a["metric"]["alertname"] == "ConnectionsDown"]
    finally:
        prometheus.terminate()
        prometheus.wait(timeout=20)
