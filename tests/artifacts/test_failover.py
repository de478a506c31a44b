# SPDX-License-Identifier: GPL-3.0-or-later
"""Failover as the otelcol role renders it: agents between gateways, gateways between Jaeger hosts.

The configs pass the real collectors' `validate` (the pinned release and the previous one), and the agent's is run
for real beside two gateway processes: when its gateway stops, the spans go on through the other within seconds,
none is lost, and when the gateway is back the agent returns to it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from mirror_lib import ARTIFACTS, PINS, free_port, render, wait_for

ARCH = next(iter(ARTIFACTS.values())).arch
VERSIONS = (PINS["otelcol"]["version"], PINS["otelcol"]["previous_version"])


def binary(unpacked, version: str) -> Path:
    return unpacked(f"otelcol-contrib-{version}-{ARCH}") / "otelcol-contrib"


def validate(otelcol: Path, config: Path) -> None:
    proc = subprocess.run([str(otelcol), "validate", f"--config={config}"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def kind(version: str) -> str:
    """The OTLP exporter's type in that release."""
    return "otlp_grpc" if tuple(map(int, version.split("."))) >= (0, 144, 0) else "otlp"


@pytest.mark.parametrize("version", VERSIONS)
def test_an_agent_with_two_gateways_fails_over_between_them(unpacked, tmp_path: Path, version: str) -> None:
    groups = {"otel_gateways": {"gw-1": {}, "gw-2": {"otelcol_otlp_grpc_port": 5317}}}
    files = render("otelcol", ["config.yaml.j2"], {"otelcol_version": version, "otelcol_tls_ca_file": "/etc/ssl/ca.pem"},
                   tmp_path, groups=groups, facts=True)
    config = yaml.safe_load(files["config.yaml"])
    otlp = kind(version)
    hold = config["exporters"][f"{otlp}/gateway"]
    # The hold exporter: the preferred gateway, the persistent queue, and no give-up while the queue has room.
    assert hold["endpoint"] in ("gw-1:4317", "gw-2:5317")
    assert hold["sending_queue"]["storage"] == "file_storage/queue" and hold["retry_on_failure"]["max_elapsed_time"] == "0s"
    levels = [config["exporters"][f"{otlp}/gateway_{i}"] for i in (0, 1)]
    assert [e["endpoint"] for e in levels][0] == hold["endpoint"]
    assert sorted(e["endpoint"] for e in levels) == ["gw-1:4317", "gw-2:5317"]
    assert all(e["sending_queue"] == {"enabled": False} and e["tls"] == {"ca_file": "/etc/ssl/ca.pem"} for e in levels)
    for sig in ("traces", "metrics", "logs"):
        connector = config["connectors"][f"failover/gateway_{sig}"]
        assert connector["priority_levels"] == [[f"{sig}/gateway_0"], [f"{sig}/gateway_1"], [f"{sig}/gateway_hold"]]
        assert config["service"]["pipelines"][sig]["exporters"] == [f"failover/gateway_{sig}"]
        assert config["service"]["pipelines"][f"{sig}/gateway_hold"]["exporters"] == [f"{otlp}/gateway"]
    assert config["service"]["pipelines"]["metrics/host"]["exporters"] == ["failover/gateway_metrics"]
    validate(binary(unpacked, version), tmp_path / "config.yaml")
    # One gateway: the agent's config is the single exporter with its queue, as before.
    one = yaml.safe_load(render("otelcol", ["config.yaml.j2"], {"otelcol_version": version, "otelcol_gateway_endpoints": ["gw:4317"]},
                                tmp_path / "one", facts=True)["config.yaml"])
    assert "connectors" not in one and one["service"]["pipelines"]["traces"]["exporters"] == [f"{otlp}/gateway"]


def test_a_gateway_with_two_jaegers_fails_over_between_them(unpacked, tmp_path: Path) -> None:
    version = VERSIONS[0]
    groups = {"jaeger": {"jaeger-1": {"ansible_host": "10.0.0.7"}, "jaeger-2": {"ansible_host": "10.0.0.8", "jaeger_otlp_grpc_port": 14317}}}
    extra = {"otelcol_mode": "gateway", "otelcol_tail_sampling_policies": [{"name": "all", "type": "always_sample"}]}
    config = yaml.safe_load(render("otelcol", ["config.yaml.j2"], extra, tmp_path, groups=groups, facts=True)["config.yaml"])
    assert sorted(config["exporters"][f"otlp_grpc/jaeger_{i}"]["endpoint"] for i in (0, 1)) == ["10.0.0.7:4317", "10.0.0.8:14317"]
    assert config["connectors"]["failover/jaeger_traces"]["priority_levels"][-1] == ["traces/jaeger_hold"]
    traces = config["service"]["pipelines"]["traces"]
    assert traces["processors"] == ["memory_limiter", "tail_sampling", "transform/attribute_limit", "batch"]
    assert traces["exporters"] == ["failover/jaeger_traces"]
    # What goes to Jaeger has no attribute its badger store would refuse forever (otelcol_jaeger_attribute_limit).
    assert config["processors"]["transform/attribute_limit"]["trace_statements"] == [
        {"context": c, "statements": ["truncate_all(attributes, 32768)"]} for c in ("resource", "span")]
    # The other connector counts log records (the LogErrorsRising rule reads it).
    assert set(config["connectors"]) == {"failover/jaeger_traces", "count/logs"}
    validate(binary(unpacked, version), tmp_path / "config.yaml")


class Gateway:
    """A stand-in gateway: the real collector, writing what it receives to a file."""

    def __init__(self, otelcol: Path, workdir: Path, name: str) -> None:
        self.otelcol, self.port, self.out = otelcol, free_port(), workdir / f"{name}.jsonl"
        self.config = workdir / f"{name}.yaml"
        self.config.write_text(yaml.safe_dump({
            "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": f"127.0.0.1:{self.port}"}}}},
            "exporters": {"file": {"path": str(self.out), "append": True, "flush_interval": "100ms"}},
            "service": {"telemetry": {"metrics": {"level": "none"}},
                        "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["file"]}}}}))
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen([str(self.otelcol), f"--config={self.config}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        """As `docker stop` or `systemctl stop` does: SIGTERM, and the collector shuts down cleanly."""
        assert self.proc
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)

    def trace_ids(self) -> set[str]:
        if not self.out.exists():
            return set()
        ids = set()
        for line in self.out.read_text().splitlines():
            try:
                data = json.loads(line)
            except ValueError:
                continue  # the line being written
            for rs in data["resourceSpans"]:
                for ss in rs["scopeSpans"]:
                    ids.update(s["traceId"] for s in ss["spans"])
        return ids


def span(trace_id: str) -> bytes:
    now = str(time.time_ns())
    return json.dumps({"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "failover"}}]},
                                          "scopeSpans": [{"spans": [{"traceId": trace_id, "spanId": "00000000000000a1", "name": "load",
                                                                     "kind": 1, "startTimeUnixNano": now, "endTimeUnixNano": now}]}]}]}).encode()


def post(http_port: int, trace_id: str) -> None:
    """One span over OTLP/HTTP to the collector on loopback, as an SDK would send it."""
    req = urllib.request.Request(f"http://127.0.0.1:{http_port}/v1/traces", data=span(trace_id), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def stop_all(collector: subprocess.Popen, gateways: list[Gateway]) -> None:
    collector.terminate()
    collector.wait(timeout=30)
    for g in gateways:
        if g.proc and g.proc.poll() is None:
            g.proc.kill()


def agent_with_two_gateways(otelcol: Path, workdir: Path) -> tuple[subprocess.Popen, list[Gateway], Gateway, Gateway, int]:
    """Two stand-in gateways and an agent as the role renders it (retry_interval 5 s, its queue under workdir), started
    and healthy: the agent's process, the gateways, its preferred one, the other, and its OTLP/HTTP port."""
    gateways = [Gateway(otelcol, workdir, f"gw{i}") for i in (0, 1)]
    http_port, health, metrics = free_port(), free_port(), free_port()
    extra = {"otelcol_gateway_endpoints": [f"127.0.0.1:{g.port}" for g in gateways], "otelcol_failover_retry_interval": "5s",
             "otelcol_otlp_grpc_port": free_port(), "otelcol_otlp_http_port": http_port, "otelcol_health_port": health,
             "otelcol_metrics_port": metrics}
    config = yaml.safe_load(render("otelcol", ["config.yaml.j2"], extra, workdir / "agent", facts=True)["config.yaml"])
    config["extensions"]["file_storage/queue"]["directory"] = str(workdir / "queue")
    (workdir / "agent.yaml").write_text(yaml.safe_dump(config))
    preferred = next(g for g in gateways if config["exporters"]["otlp_grpc/gateway"]["endpoint"].endswith(f":{g.port}"))
    other = next(g for g in gateways if g is not preferred)
    agent = subprocess.Popen([str(otelcol), f"--config={workdir / 'agent.yaml'}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_for(lambda: _healthy(health), 30):
        stop_all(agent, gateways)
        raise AssertionError("the agent did not become healthy")
    return agent, gateways, preferred, other, http_port


def sender(http_port: int, sent: list[tuple[float, str]]):
    """A function that posts `count` one-span traces, 20 a second, noting each as (when, trace ID) in `sent`."""
    def send(count: int) -> None:
        prefix = os.urandom(4).hex()
        for i in range(count):
            trace_id = f"{prefix}{i:024x}"
            post(http_port, trace_id)
            sent.append((time.time(), trace_id))
            time.sleep(0.05)
    return send


def test_a_running_agent_loses_nothing_when_its_gateway_stops(unpacked, tmp_path: Path) -> None:
    agent, gateways, preferred, other, http_port = agent_with_two_gateways(binary(unpacked, VERSIONS[0]), tmp_path)
    sent: list[tuple[float, str]] = []
    send = sender(http_port, sent)
    try:
        thread = threading.Thread(target=send, args=(400,))
        thread.start()
        time.sleep(5)
        assert preferred.trace_ids() and not other.trace_ids(), "the agent should start on its preferred gateway"
        stopped = time.time()
        preferred.stop()
        first = wait_for(other.trace_ids, 30)
        delay = time.time() - stopped
        assert first, "nothing reached the other gateway within 30 s"
        time.sleep(5)
        preferred.start()
        thread.join(timeout=120)
        want = {trace_id for _at, trace_id in sent}
        assert len(want) == 400
        got = wait_for(lambda: want <= (preferred.trace_ids() | other.trace_ids()), 60)
        missing = want - preferred.trace_ids() - other.trace_ids()
        assert got, f"{len(missing)} of {len(want)} spans lost"
        # Back on the preferred gateway once it answers again: after two retry intervals (5 s here), a fresh
        # batch goes there and nowhere else.
        time.sleep(10)
        before = len(sent)
        send(20)
        late = {trace_id for _at, trace_id in sent[before:]}
        assert wait_for(lambda: late <= preferred.trace_ids(), 30), "the agent did not go back to its preferred gateway"
        assert not late & other.trace_ids(), "the agent still sends to the other gateway"
        print(f"failover: first span through the other gateway {delay:.1f} s after the stop")
    finally:
        stop_all(agent, gateways)


def test_an_agent_whose_gateway_hangs_keeps_sending_to_the_other(unpacked, tmp_path: Path) -> None:
    """A gateway that stops answering without refusing (a host gone, its address silent; here the process frozen by
    SIGSTOP: the kernel still accepts connections, nothing answers them). Each try of it takes its whole timeout, and
    the connector gives a batch 5 s over all its levels: the spans must still go through the other gateway at once,
    and go on doing so past several retry intervals (5 s here), each of which tries the hung one again first."""
    agent, gateways, preferred, other, http_port = agent_with_two_gateways(binary(unpacked, VERSIONS[0]), tmp_path)
    sent: list[tuple[float, str]] = []
    send = sender(http_port, sent)
    assert preferred.proc
    try:
        send(20)
        assert wait_for(lambda: {t for _at, t in sent} <= preferred.trace_ids(), 30), "the agent should start on its preferred gateway"
        hung = time.time()
        preferred.proc.send_signal(signal.SIGSTOP)
        try:
            thread = threading.Thread(target=send, args=(600,))  # 30 s and more: six retry intervals
            thread.start()
            thread.join(timeout=120)
            # Every span sent while it hangs reaches the other gateway, the last ones sent after five retries of the hung one.
            during = {t for at, t in sent if at > hung}
            got = wait_for(lambda: during <= other.trace_ids(), 30)
            late = sorted(at - hung for at, t in sent if at > hung and t in other.trace_ids())
            assert got, (f"{len(during - other.trace_ids())} of {len(during)} spans sent while the preferred gateway hung did "
                         "not reach the other one: held for the hung gateway instead")
            print(f"hung gateway: {len(during)} spans over {late[-1]:.0f} s, every one through the other gateway")
        finally:
            preferred.proc.send_signal(signal.SIGCONT)
        want = {t for _at, t in sent}
        assert wait_for(lambda: want <= (preferred.trace_ids() | other.trace_ids()), 60), "spans lost"
    finally:
        stop_all(agent, gateways)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def load_balancing_tier(otelcol: Path, workdir: Path) -> tuple[subprocess.Popen, list[Gateway], int, int]:
    """Two stand-in gateways and the tier in front of them as the role renders it (its queue under workdir):
    the tier's process, the gateways, its OTLP/HTTP port and its health port."""
    gateways = [Gateway(otelcol, workdir, f"gw{i}") for i in (0, 1)]
    http_port, health = free_port(), free_port()
    extra = {"otelcol_mode": "gateway", "otelcol_loadbalancing_endpoints": [f"127.0.0.1:{g.port}" for g in gateways],
             "otelcol_listen_address": "127.0.0.1", "otelcol_otlp_grpc_port": free_port(), "otelcol_otlp_http_port": http_port,
             "otelcol_health_port": health, "otelcol_metrics_port": free_port()}
    config = yaml.safe_load(render("otelcol", ["config.yaml.j2"], extra, workdir / "lb", facts=True)["config.yaml"])
    config["extensions"]["file_storage/queue"]["directory"] = str(workdir / "queue")
    (workdir / "lb.yaml").write_text(yaml.safe_dump(config))
    tier = subprocess.Popen([str(otelcol), f"--config={workdir / 'lb.yaml'}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return tier, gateways, http_port, health


def test_a_load_balancing_tier_holds_a_stopped_gateways_share_until_it_returns(unpacked, tmp_path: Path) -> None:
    """The upstream limit, shown: the tier cannot send a stopped gateway's share elsewhere, but loses none of it."""
    otelcol = binary(unpacked, VERSIONS[0])
    tier, gateways, http_port, health = load_balancing_tier(otelcol, tmp_path)
    try:
        assert wait_for(lambda: _healthy(health), 30), "the tier did not become healthy"
        prefix = os.urandom(4).hex()
        sent = []

        def send(start: int, count: int) -> None:
            for i in range(start, start + count):
                trace_id = f"{prefix}{i:024x}"
                post(http_port, trace_id)
                sent.append(trace_id)
                time.sleep(0.02)

        send(0, 100)
        assert wait_for(lambda: set(sent) <= gateways[0].trace_ids() | gateways[1].trace_ids(), 30)
        assert gateways[0].trace_ids() and gateways[1].trace_ids(), "the tier spreads traces over both gateways"
        gateways[1].stop()
        before = gateways[0].trace_ids()
        send(100, 200)
        time.sleep(3)
        during = set(sent[100:])
        kept = during & gateways[0].trace_ids() - before
        held = during - gateways[0].trace_ids()
        # Gateway 0 gets its share at once; gateway 1's share waits in the tier, not rerouted.
        assert kept and held, (len(kept), len(held))
        gateways[1].start()
        assert wait_for(lambda: set(sent) <= gateways[0].trace_ids() | gateways[1].trace_ids(), 60), \
            f"{len(set(sent) - gateways[0].trace_ids() - gateways[1].trace_ids())} of {len(sent)} traces lost"
        assert held <= gateways[1].trace_ids()
    finally:
        stop_all(tier, gateways)


def test_a_killed_load_balancing_tier_loses_at_most_what_it_had_in_flight(unpacked, tmp_path: Path) -> None:
    """kill -9 of the tier under a steady stream: every span it answered is on disk (no batch processor, a persistent
    queue) and reaches the gateways after the restart, but for what it had already handed to a gateway's queue and
    that gateway had not yet taken: those queues are in memory (upstream: "Persistent Queue is NOT supported" for
    the load-balancing exporter's per-backend exporters). Only spans answered in the second before a kill may be
    lost, at most 15 a kill (what was being sent); what it did not answer, the sender sends again."""
    otelcol = binary(unpacked, VERSIONS[0])
    tier, gateways, http_port, health = load_balancing_tier(otelcol, tmp_path)
    config = yaml.safe_load((tmp_path / "lb.yaml").read_text())
    assert "batch" not in config["service"]["pipelines"]["traces"]["processors"]
    accepted: list[tuple[float, str]] = []
    kills: list[float] = []
    stop = threading.Event()

    def send() -> None:
        prefix = os.urandom(4).hex()
        i = 0
        while not stop.is_set():
            trace_id = f"{prefix}{i:024x}"
            try:
                post(http_port, trace_id)
                accepted.append((time.monotonic(), trace_id))
            except OSError:
                time.sleep(0.05)  # the tier is down: this span is the sender's to send again
            i += 1
            time.sleep(0.005)

    try:
        assert wait_for(lambda: _healthy(health), 30), "the tier did not become healthy"
        sender = threading.Thread(target=send)
        sender.start()
        for _kill in range(3):
            time.sleep(2)
            kills.append(time.monotonic())
            tier.kill()
            tier.wait(timeout=10)
            tier = subprocess.Popen([str(otelcol), f"--config={tmp_path / 'lb.yaml'}"], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            assert wait_for(lambda: _healthy(health), 30), "the tier did not come back"
        time.sleep(2)
        stop.set()
        sender.join(timeout=30)
        want = {trace_id for _at, trace_id in accepted}
        in_flight = {trace_id for at, trace_id in accepted if any(kill - 1 <= at <= kill for kill in kills)}
        assert len(want) > 300, len(want)

        def lost() -> set[str]:
            return want - gateways[0].trace_ids() - gateways[1].trace_ids()
        # Everything else arrives; wait for all of it, then check what is missing was in flight at a kill.
        wait_for(lambda: not lost(), 60)
        missing = lost()
        print(f"killed load-balancing tier: {len(missing)} of {len(want)} accepted spans lost; {len(in_flight)} were "
              "answered in the second before a kill")
        assert missing <= in_flight, f"{len(missing - in_flight)} of {len(want)} accepted spans lost outside a kill's second"
        # A moment's worth: the per-gateway queues send at once, so each kill can catch only what was being sent.
        assert len(missing) <= 15 * len(kills), f"{len(missing)} of {len(want)} accepted spans lost in {len(kills)} kills"
    finally:
        stop.set()
        stop_all(tier, gateways)
