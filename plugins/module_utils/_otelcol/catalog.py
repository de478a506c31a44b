# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which component types the upstream collector distributions have, by version.

The type names are those of the upstream distribution manifests
(opentelemetry-collector-releases ``distributions/*/manifest.yaml``) and the
components' ``metadata.yaml``. What changed over time is kept as events:
removals (with what replaces them) and renames (the new name exists from a
version on; the old name stays accepted as an alias).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, NamedTuple

DISTRIBUTIONS = ("otelcol", "otelcol-contrib")
KINDS = ("receiver", "processor", "exporter", "extension", "connector")

Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    """'0.159.0' or 'v0.159.0' -> (0, 159, 0)."""
    parts = str(text).strip().lstrip("v").split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"version must look like 0.159.0, got {text!r}")
    return int(parts[0]), int(parts[1]), int(parts[2])


# The core distribution (distributions/otelcol/manifest.yaml).
_CORE = {
    "receiver": "hostmetrics jaeger kafka nop otlp prometheus zipkin",
    "processor": "attributes batch filter memory_limiter probabilistic_sampler resource span",
    "exporter": "debug file kafka nop otlp otlphttp prometheus prometheusremotewrite zipkin",
    "extension": "health_check pprof zpages",
    "connector": "forward",
}

# What otelcol-contrib has on top of the core distribution.
_CONTRIB_EXTRA = {
    "receiver": (
        "active_directory_ds aerospike apache apachespark awscloudwatch awscontainerinsightreceiver "
        "awsecscontainermetrics awsfirehose awss3 awsxray azureblob azureeventhub azuremonitor bigip carbon "
        "chrony cloudflare cloudfoundry collectd couchdb datadog docker_stats elasticsearch envoyals expvar faro "
        "filelog filestats flinkmetrics fluentforward github googlecloudmonitoring googlecloudpubsub "
        "googlecloudspanner haproxy httpcheck iis influxdb jmx journald k8s_cluster k8s_events k8sobjects "
        "kafkametrics kubeletstats libhoney loki memcached mongodbatlas mongodb mysql namedpipe netflow nginx "
        "nsxt ntp oracledb otelarrow otlpjsonfile podman_stats postgresql prometheusremotewrite pulsar purefa "
        "purefb rabbitmq receiver_creator redis riak saphana signalfx prometheus_simple skywalking snmp "
        "snowflake solace splunkenterprise splunk_hec sqlquery sqlserver sshcheck statsd stef syslog tcpcheck "
        "tcplog tlscheck udplog vcenter wavefront webhookevent windowseventlog windowsperfcounters zookeeper"
    ),
    "processor": (
        "coralogix cumulativetodelta deltatocumulative deltatorate geoip groupbyattrs groupbytrace interval "
        "isolationforest k8sattributes logdedup experimental_metricsgeneration metricsgeneration metricstarttime metricstransform "
        "redaction remotetap resourcedetection schema sumologic tail_sampling transform"
    ),
    "exporter": (
        "alibabacloud_logservice awscloudwatchlogs awsemf awskinesis awss3 awsxray azureblob azuredataexplorer "
        "azuremonitor bmchelix carbon cassandra clickhouse coralogix datadog dataset doris elasticsearch faro "
        "googlecloud googlecloudpubsub googlemanagedprometheus honeycombmarker influxdb loadbalancing "
        "logicmonitor logzio mezmo opensearch otelarrow pulsar rabbitmq sapm sentry signalfx splunk_hec stef "
        "sumologic syslog tencentcloud_logservice tinybird"
    ),
    "extension": (
        "ack asapclient awscloudwatchmetricstreams_encoding awslogs_encoding awsproxy azureauth basicauth "
        "bearertokenauth cgroupruntime datadog db_storage docker_observer ecs_observer ecs_task_observer "
        "file_storage googleclientauth googlecloudlogentry_encoding headers_setter host_observer "
        "http_forwarder jaeger_encoding jaegerremotesampling json_log_encoding k8s_leader_elector k8s_observer "
        "kafkatopics_observer oauth2client oidc opamp otlp_encoding redis_storage sigv4auth skywalking_encoding "
        "text_encoding zipkin_encoding"
    ),
    "connector": (
        "count datadog exceptions failover grafanacloud otlpjson roundrobin routing servicegraph signaltometrics "
        "spanmetrics sum"
    ),
}


class Removal(NamedTuple):
    kind: str
    type: str
    version: Version
    replacement: str | None
    distributions: tuple[str, ...] = DISTRIBUTIONS


class Rename(NamedTuple):
    kind: str
    old: str
    new: str
    version: Version  # the first version that knows ``new``


REMOVALS = (
    Removal("exporter", "jaeger", (0, 85, 0), "otlp (Jaeger takes OTLP natively)"),
    Removal("extension", "memory_ballast", (0, 109, 0), "the memory_limiter processor and GOMEMLIMIT"),
    Removal("exporter", "logging", (0, 111, 0), "debug"),
    Removal("receiver", "opencensus", (0, 132, 0), "otlp"),
    Removal("exporter", "opencensus", (0, 132, 0), "otlp"),
    Removal("extension", "ecs_task_observer", (0, 139, 0), "ecs_observer", ("otelcol-contrib",)),
    Removal("exporter", "carbon", (0, 141, 0), "otlp or prometheusremotewrite", ("otelcol-contrib",)),
    Removal("receiver", "bigip", (0, 146, 0), None, ("otelcol-contrib",)),
    Removal("exporter", "sapm", (0, 148, 0), "otlphttp", ("otelcol-contrib",)),
    Removal("exporter", "mezmo", (0, 161, 0), "otlphttp", ("otelcol-contrib",)),
)

# Renames to snake_case (2026): metadata.yaml's `type` became the new name and
# `deprecated_type` the old one, which stays accepted. The version is the first
# release with the new name, from the upstream release registry; where only a
# range is known the later end is used (see docs/validator.md).
_RENAMED = {
    "receiver": (
        "filelog file_log 0.149.0, hostmetrics host_metrics 0.151.0, k8sobjects k8s_objects 0.151.0, "
        "kubeletstats kubelet_stats 0.152.0, apachespark apache_spark 0.155.0, awscloudwatch aws_cloudwatch 0.155.0, "
        "azureblob azure_blob 0.155.0, azureeventhub azure_event_hub 0.155.0, azuremonitor azure_monitor 0.155.0, "
        "cloudfoundry cloud_foundry 0.155.0, envoyals envoy_als 0.155.0, filestats file_stats 0.155.0, "
        "flinkmetrics flink_metrics 0.155.0, fluentforward fluent_forward 0.155.0, "
        "googlecloudspanner google_cloud_spanner 0.155.0, httpcheck http_check 0.155.0, "
        "kafkametrics kafka_metrics 0.155.0, mongodbatlas mongodb_atlas 0.155.0, namedpipe named_pipe 0.155.0, "
        "otlpjsonfile otlp_json_file 0.155.0, prometheusremotewrite prometheus_remote_write 0.155.0, "
        "splunkenterprise splunk_enterprise 0.155.0, sshcheck ssh_check 0.155.0, tcpcheck tcp_check 0.155.0, "
        "tcplog tcp_log 0.155.0, tlscheck tls_check 0.155.0, udplog udp_log 0.155.0, "
        "webhookevent webhook_event 0.155.0, windowseventlog windows_event_log 0.155.0"
    ),
    "processor": (
        "k8sattributes k8s_attributes 0.146.0, metricstarttime metric_start_time 0.150.0, "
        "logdedup log_dedup 0.152.0, metricstransform metrics_transform 0.152.0, "
        "resourcedetection resource_detection 0.153.0, cumulativetodelta cumulative_to_delta 0.157.0, "
        "deltatocumulative delta_to_cumulative 0.158.0, deltatorate delta_to_rate 0.158.0"
    ),
    "exporter": (
        "otlp otlp_grpc 0.144.0, otlphttp otlp_http 0.144.0, azureblob azure_blob 0.148.0, "
        "bmchelix bmc_helix 0.152.0, honeycombmarker honeycomb_marker 0.152.0, "
        "loadbalancing load_balancing 0.153.0, prometheusremotewrite prometheus_remote_write 0.154.0, "
        "azuremonitor azure_monitor 0.162.0"
    ),
    "extension": (
        "awslogs_encoding aws_logs_encoding 0.148.0, cgroupruntime cgroup_runtime 0.148.0, "
        "googlecloudlogentry_encoding google_cloud_logentry_encoding 0.148.0, azureauth azure_auth 0.154.0"
    ),
    "connector": (
        "signaltometrics signal_to_metrics 0.146.0, otlpjson otlp_json 0.152.0, roundrobin round_robin 0.152.0, "
        "servicegraph service_graph 0.152.0, spanmetrics span_metrics 0.152.0, grafanacloud grafana_cloud 0.162.0"
    ),
}
RENAMES = tuple(
    Rename(kind, old, new, parse_version(version))
    for kind, text in _RENAMED.items()
    for old, new, version in (item.split() for item in text.split(", "))
)


@dataclass(frozen=True)
class Status:
    """What the catalog says about one component type."""

    known: bool
    removed_in: str | None = None
    replacement: str | None = None
    added_in: str | None = None


def _text(v: Version) -> str:
    return ".".join(map(str, v))


def _base(distribution: str, kind: str) -> set[str]:
    names = set(_CORE[kind].split())
    if distribution == "otelcol-contrib":
        names |= set(_CONTRIB_EXTRA[kind].split())
    return names


def types(distribution: str, version: Version, kind: str) -> set[str]:
    """Every type name ``distribution`` accepts for ``kind`` at ``version``."""
    names = _base(distribution, kind)
    for r in RENAMES:
        if r.kind == kind and r.old in names and version >= r.version:
            names.add(r.new)
    for r in REMOVALS:
        if r.kind == kind and distribution in r.distributions and version >= r.version:
            names.discard(r.type)
    return names


def lookup(distribution: str, version: Version, kind: str, ctype: str) -> Status:
    for r in REMOVALS:
        if r.kind == kind and r.type == ctype and distribution in r.distributions:
            if version >= r.version:
                return Status(False, removed_in=_text(r.version), replacement=r.replacement)
            return Status(True)
    if ctype in types(distribution, version, kind):
        return Status(True)
    for r in RENAMES:
        if r.kind == kind and r.new == ctype and r.old in _base(distribution, kind):
            return Status(False, added_in=_text(r.version))
    return Status(False)


def with_aliases(kind: str, version: Version, names: Iterable[str]) -> set[str]:
    """A build's type names plus the old alias of each renamed type, and its new name from the rename on."""
    out = set(names)
    for r in RENAMES:
        if r.kind == kind and (r.old in out or r.new in out):
            out.add(r.old)
            if version >= r.version:
                out.add(r.new)
    return out
