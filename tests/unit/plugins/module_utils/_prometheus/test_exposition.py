# SPDX-License-Identifier: GPL-3.0-or-later
"""metric_sum reads a /metrics page the way a health gate needs: a counter's sum, with or without _total."""

from __future__ import annotations

import pytest
from ansible_collections.telemetry.stack.plugins.module_utils._prometheus.exposition import metric_sum

PAGE = """\
# HELP otelcol_receiver_accepted_spans Number of spans successfully pushed into the pipeline.
# TYPE otelcol_receiver_accepted_spans counter
otelcol_receiver_accepted_spans{receiver="otlp",service_instance_id="a b",transport="grpc"} 12
otelcol_receiver_accepted_spans{receiver="otlp",service_instance_id="a b",transport="http"} 3
otelcol_exporter_sent_spans_total{exporter="otlp/gateway"} 7 1700000000000
otelcol_exporter_sent_spans_total{exporter="debug"} 1e+03
otelcol_exporter_send_failed_spans{exporter="otlp/gateway"} NaN
otelcol_process_uptime 42.5
otelcol_receiver_accepted_spans_by_host{receiver="otlp"} 99
"""


@pytest.mark.parametrize("name, labels, total", [
    ("otelcol_receiver_accepted_spans", None, 15.0),
    ("otelcol_receiver_accepted_spans", {"transport": "http"}, 3.0),
    ("otelcol_exporter_sent_spans", None, 1007.0),  # the _total name counts, timestamps are ignored
    ("otelcol_exporter_sent_spans", {"exporter": "otlp/gateway"}, 7.0),
    ("otelcol_exporter_send_failed_spans", None, 0.0),  # NaN is no count
    ("otelcol_process_uptime", None, 42.5),
    ("otelcol_exporter_enqueue_failed_spans", None, 0.0),  # absent
])
def test_sums(name, labels, total):
    assert metric_sum(PAGE, name, labels) == total


@pytest.mark.parametrize("text, name, error, message", [
    (None, "otelcol_process_uptime", TypeError, "the input must be the text of a /metrics page, got NoneType"),
    (PAGE, "otelcol process", ValueError, "name must be a metric name"),
    (PAGE, 7, ValueError, "name must be a metric name"),
])
def test_bad_input_names_the_field(text, name, error, message):
    with pytest.raises(error, match=message):
        metric_sum(text, name)
