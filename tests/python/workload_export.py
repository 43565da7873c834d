"""The SDK plumbing of workload.py: its OTLP exporters for each protocol (wrapped to count
export calls), the temporality preference, and seeded trace and span ids."""

from __future__ import annotations

import random
import threading

from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    MetricExporter,
    MetricExportResult,
)
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.id_generator import IdGenerator


class SeededIds(IdGenerator):
    """Trace and span ids from the seed, so runs with one seed have the same ids."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed ^ 0x5EED)

    def generate_span_id(self) -> int:
        return self._rng.getrandbits(64) or 1

    def generate_trace_id(self) -> int:
        return self._rng.getrandbits(128) or 1


class Counted:
    """Counts successful and failed export calls per signal (the SDK only logs failures)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls = {s: {"ok": 0, "failed": 0} for s in ("metrics", "traces")}

    def note(self, signal: str, ok: bool) -> None:
        with self.lock:
            self.calls[signal]["ok" if ok else "failed"] += 1


class CountedSpans(SpanExporter):
    def __init__(self, inner: SpanExporter, counted: Counted) -> None:
        self.inner, self.counted = inner, counted

    def export(self, spans):
        result = self.inner.export(spans)
        self.counted.note("traces", result == SpanExportResult.SUCCESS)
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


class CountedMetrics(MetricExporter):
    def __init__(self, inner: MetricExporter, counted: Counted, temporality: dict) -> None:
        super().__init__(preferred_temporality=temporality)
        self.inner, self.counted = inner, counted

    def export(self, metrics_data, timeout_millis: float = 10_000, **kwargs):
        result = self.inner.export(metrics_data, timeout_millis=timeout_millis, **kwargs)
        self.counted.note("metrics", result == MetricExportResult.SUCCESS)
        return result

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return self.inner.force_flush(timeout_millis=timeout_millis)

    def shutdown(self, timeout_millis: float = 30_000, **kwargs) -> None:
        self.inner.shutdown(timeout_millis=timeout_millis, **kwargs)


def temporality(name: str) -> dict:
    d, c = AggregationTemporality.DELTA, AggregationTemporality.CUMULATIVE
    delta = name == "delta"
    return {Counter: d if delta else c, Histogram: d if delta else c,
            ObservableCounter: d if delta else c, UpDownCounter: c,
            ObservableUpDownCounter: c, ObservableGauge: c}


def make_exporter(args, signal: str, temp: dict):
    """The SDK's own exporter for `signal` ("metrics" or "traces") over args.protocol."""
    gzip = args.compression == "gzip"
    if args.protocol == "grpc":
        import grpc
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        kw = {"endpoint": args.endpoint, "insecure": True,
              "compression": grpc.Compression.Gzip if gzip else grpc.Compression.NoCompression}
    else:
        if args.protocol == "http/protobuf":
            from opentelemetry.exporter.otlp.proto.http import Compression
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            comp = Compression.Gzip if gzip else Compression.NoCompression
        else:
            from opentelemetry.exporter.otlp.common.http import Compression
            from opentelemetry.exporter.otlp.json.http.metric_exporter import OTLPMetricExporter
            from opentelemetry.exporter.otlp.json.http.trace_exporter import OTLPSpanExporter
            comp = Compression.GZIP if gzip else Compression.NONE
        url = getattr(args, f"{signal}_endpoint") or f"{args.endpoint.rstrip('/')}/v1/{signal}"
        kw = {"endpoint": url, "compression": comp}
    if signal == "traces":
        return OTLPSpanExporter(**kw)
    return OTLPMetricExporter(preferred_temporality=temp, **kw)
