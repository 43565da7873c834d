#!/usr/bin/env python3
"""A deterministic LLM-service workload exported through the real OpenTelemetry Python SDK.

It plays the scenario of ../shared/docs/scenario.md: a chat client ("chat-app") calls an
OpenAI-compatible gateway ("llama-stack-server"), which checks prompts with a shield, calls
inference providers (two of them, "vllm" and "ollama", are traced services of their own;
"openai" is external), runs agent tools and queries a vector store. Every request is one
trace joined across services by W3C context, and records the metrics a Llama Stack
deployment records. Metrics and traces leave through the SDK's own OTLP exporters; the
script then prints ONE JSON document on stdout saying exactly what was recorded, computed
by the script itself (not read back from the SDK), so a test can compare it with what the
server stores.

Files: this driver; workload_model.py (catalogue, plans, the independent tally);
workload_export.py (the SDK exporters per protocol). Run with the venv of scripts/setup.

Usage
  workload.py --endpoint http://127.0.0.1:4317 --protocol grpc [options]
  workload.py --endpoint http://127.0.0.1:4318 --protocol http/protobuf [options]
    --protocol grpc|http/protobuf|http/json   OTLP transport (both signals)
    --endpoint URL          gRPC: the server URL; HTTP: base URL, /v1/<signal> is appended
    --metrics-endpoint URL  HTTP only: full metrics URL, used verbatim (e.g. .../api/v1/otlp/v1/metrics)
    --traces-endpoint URL   HTTP only: full traces URL, used verbatim
    --compression gzip|none (default none)
    --temporality cumulative|delta   delta = the SDK's "delta" preference (counters and
                            histograms delta; up-down counters and gauges cumulative)
    --requests N (default 120)   --warmup N (default 10)   --seed S (default 42)
    --interval-ms MS        metric export interval of the main phase (default 200)
    --pause-ms MS           pause between requests of the main phase (default 10)
    --instance-id ID        service.instance.id suffix, to tell runs apart on one server
  Exit status: 0 when every export succeeded, 1 when one failed, 2 on bad arguments.

Traces (span names; all spans of a request share one trace id):
  chat-app            CLIENT   "<METHOD> <route>"            root
  llama-stack-server  SERVER   "<METHOD> <route>"            http.route; ERROR on HTTP 502
                      INTERNAL "shield llama-guard"          some chat requests
                      CLIENT   "chat <model>"                gen_ai.request.model,
                                                             gen_ai.provider.name, tokens
                      INTERNAL "execute_tool <tool>"         agent turns; failed ones have status
                                                             ERROR, error.type, an "exception" event
                      CLIENT   "query docs" | "insert docs"  vector store (also under rag_search)
  vllm                SERVER   "POST /v1/chat/completions"   child of "chat <model>"
  ollama              SERVER   "POST /api/chat"              child of "chat <model>"
  Routes: POST /v1/chat/completions, /v1/agents/turn, /v1/vector-io/query,
  /v1/vector-io/insert; GET /v1/models.

Determinism: a seed fixes every request plan, every recorded value and every trace and span
id. Only wall-clock times vary. Durations are multiples of 1/1024 s, token counts are
integers and rates multiples of 1/16, so every sum is exact in binary floating point
whatever order it is added in (per export, per delta, per server): tests compare exactly.

Metric exports: the warm-up requests are recorded and flushed first (so the first sample of
every series that exists by then holds the "baseline" below), then the rest are recorded
while a ticker collects every --interval-ms, then a final flush. Collections never overlap.

Summary (stdout, one JSON object):
  workload   {seed, requests, warmup, protocol, compression, temporality, namespace}
  exports    {"metrics": {"ok", "failed"}, "traces": {"ok", "failed"}}  export calls
  resources  [{"service": name, "instance": service.instance.id, "job": job label}]
  metrics    [{"name": OTel name, "prom": family with --otlp-namespace llama_stack,
               "type": histogram|counter|updowncounter|gauge, "prom_type", "unit",
               "prom_unit", "help", "service",
               "bounds": [explicit bounds] (histograms),
               "series": [{"attributes": {key: str|int|bool},
                           histogram: "count", "sum", "bucket_counts" (per bucket,
                             len(bounds)+1, not cumulative), "baseline": same three or null;
                           others: "value", "baseline": value or null}]}]
  traces     {"count", "spans",
              "list": [{"trace_id" (32 hex), "spans", "root_service", "root_operation",
                        "services" (sorted), "start_unix_nano", "duration_us",
                        "error" (a span has status ERROR), "failed_tool_calls"}],
              "operations": {service: [{"name", "kind"}]} (sorted),
              "dependencies": {"parent->child": calls},
              "failed_tool_call_trace_ids": [...], "error_trace_ids": [...]}
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import random
import sys
import threading
import time

from opentelemetry import trace
from opentelemetry.metrics import Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

from workload_export import Counted, CountedMetrics, CountedSpans, SeededIds, make_exporter, temporality
from workload_model import (
    CLIENT, MODELS, PROM_TYPE, SERVER, SPECS, TRACED_PROVIDERS, UNIT, Plan, Step, Tally, plan_request,
)


def seconds(u: int) -> float:
    return u / UNIT


def millis(u: int) -> float:
    return u * 1000 / UNIT  # exact: 1000/1024 = 125/128


def micros(u: int) -> int:
    """Offset in whole microseconds; monotonic, so child spans stay inside their parents."""
    return u * 1_000_000 // UNIT


class Workload:
    """The SDK providers of every service, the instruments, and what was recorded."""

    NET = 2  # client <-> gateway network time each way, in 1/UNIT s

    def __init__(self, args) -> None:
        self.args = args
        self.tally = Tally()
        self.counted = Counted()
        self.kv_calls = {m: 0 for m in MODELS}
        self.collect_lock = threading.Lock()
        self.last_collect = 0.0
        ids = SeededIds(args.seed)
        temp = temporality(args.temporality)
        self.resources, self.tracers, self.tracer_providers, self.meter_providers = [], {}, [], {}
        for service in (CLIENT, SERVER, *TRACED_PROVIDERS):
            instance = f"{service}-{args.instance_id}"
            attrs = {"service.name": service, "service.instance.id": instance,
                     "service.version": "0.2.22", "deployment.environment.name": "test"}
            resource = Resource.create(attrs)
            self.resources.append({"service": service, "instance": instance, "job": service})
            tp = TracerProvider(resource=resource, id_generator=ids, shutdown_on_exit=False)
            exporter = CountedSpans(make_exporter(args, "traces", temp), self.counted)
            tp.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=200,
                                                     max_queue_size=100_000))
            self.tracer_providers.append(tp)
            self.tracers[service] = tp.get_tracer("workload", "1.0.0")
            if service in (CLIENT, SERVER):
                exporter = CountedMetrics(make_exporter(args, "metrics", temp), self.counted, temp)
                # No ticker of its own (interval inf): collections are driven by collect().
                reader = PeriodicExportingMetricReader(exporter, export_interval_millis=float("inf"))
                self.meter_providers[service] = MeterProvider(
                    metric_readers=[reader], resource=resource, shutdown_on_exit=False)
        self.instruments = {}
        for spec in SPECS.values():
            meter = self.meter_providers[spec.service].get_meter("workload", "1.0.0")
            kw = {"unit": spec.unit, "description": spec.help}
            if spec.type == "histogram":
                kw["explicit_bucket_boundaries_advisory"] = spec.bounds
                self.instruments[spec.name] = meter.create_histogram(spec.name, **kw)
            elif spec.type == "counter":
                self.instruments[spec.name] = meter.create_counter(spec.name, **kw)
            elif spec.type == "updowncounter":
                self.instruments[spec.name] = meter.create_up_down_counter(spec.name, **kw)
            else:
                meter.create_observable_gauge(spec.name, callbacks=[self.observe_kv], **kw)
        self.traces, self.operations, self.dependencies = [], {}, {}

    # ---- metrics -------------------------------------------------------------------------

    def record(self, name: str, value, attrs: dict, span) -> None:
        spec, inst = SPECS[name], self.instruments[name]
        ctx = trace.set_span_in_context(span)  # a sampled span: the SDK attaches exemplars
        if spec.type == "histogram":
            inst.record(value, attrs, context=ctx)
        else:
            inst.add(value, attrs, context=ctx)
        self.tally.add(spec, value, attrs)

    def kv_value(self, model: str) -> float:
        return (self.kv_calls[model] * 5 % 32) / 32

    def observe_kv(self, _options):
        return [Observation(self.kv_value(m), {"model": m, "provider": MODELS[m][0]})
                for m in MODELS]

    def collect(self) -> None:
        """One collection and export of every meter provider, never two at once and never
        in the same millisecond as the previous one (the server keys samples by ms)."""
        with self.collect_lock:
            wait = self.last_collect + 0.003 - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            for mp in self.meter_providers.values():
                mp.force_flush(timeout_millis=10_000)
            self.last_collect = time.monotonic()

    # ---- traces --------------------------------------------------------------------------

    def span(self, rec: dict, service: str, name: str, kind: SpanKind, parent, at: int, attrs=None):
        tracer = self.tracers[service]
        ctx = trace.set_span_in_context(parent) if parent is not None else None
        s = tracer.start_span(name, context=ctx, kind=kind, attributes=attrs or {},
                              start_time=rec["base"] + micros(at) * 1000)
        rec["spans"] += 1
        rec["services"].add(service)
        self.operations.setdefault(service, set()).add((name, kind.name.lower()))
        if parent is not None and parent.resource.attributes["service.name"] != service:
            edge = f"{parent.resource.attributes['service.name']}->{service}"
            self.dependencies[edge] = self.dependencies.get(edge, 0) + 1
        return s

    def end(self, rec: dict, s, at: int, error: str | None = None, message: str = "") -> None:
        if error:
            s.set_attribute("error.type", error)
            s.add_event("exception", {"exception.type": error, "exception.message": message},
                        timestamp=rec["base"] + micros(at) * 1000)
            s.set_status(Status(StatusCode.ERROR, message))
            rec["error"] = True
        s.end(end_time=rec["base"] + micros(at) * 1000)

    # ---- one request ---------------------------------------------------------------------

    def run(self, plan: Plan) -> None:
        total = plan.server_units + 2 * self.NET
        now_us = time.time_ns() // 1000
        rec = {"base": (now_us - micros(total)) * 1000, "spans": 0, "services": set(),
               "error": False, "failed_tool_calls": 0}
        op = f"{plan.method} {plan.route}"
        client = self.span(rec, CLIENT, op, SpanKind.CLIENT, None, 0,
                           {"http.request.method": plan.method, "url.full": f"http://gateway{plan.route}"})
        server = self.span(rec, SERVER, op, SpanKind.SERVER, client, self.NET,
                           {"http.request.method": plan.method, "http.route": plan.route})
        self.record("http.server.active_requests", 1, {"http.method": plan.method}, server)
        cursor = self.NET + plan.overhead // 2
        for step in plan.steps:
            self.step(rec, server, step, cursor)
            cursor += step.units
        self.record("http.server.active_requests", -1, {"http.method": plan.method}, server)
        http = {"http.method": plan.method, "http.route": plan.route, "http.status_code": plan.status}
        self.record("http.server.duration", millis(plan.server_units), http, server)
        failed = "http_502" if plan.status >= 500 else None
        self.end(rec, server, self.NET + plan.server_units, failed, "inference provider failed")
        self.record("http.client.duration", millis(total),
                    {"http.method": plan.method, "http.status_code": plan.status}, client)
        self.end(rec, client, total, failed, f"HTTP {plan.status}")
        ctx = client.get_span_context()
        self.traces.append({
            "trace_id": f"{ctx.trace_id:032x}", "spans": rec["spans"], "root_service": CLIENT,
            "root_operation": op, "services": sorted(rec["services"]),
            "start_unix_nano": rec["base"], "duration_us": micros(total), "error": rec["error"],
            "failed_tool_calls": rec["failed_tool_calls"]})

    def step(self, rec: dict, server, step: Step, at: int) -> None:
        end = at + step.units
        if step.kind == "shield":
            s = self.span(rec, SERVER, f"shield {step.name}", SpanKind.INTERNAL, server, at,
                          {"shield.id": step.name})
            self.end(rec, s, end)
        elif step.kind == "vector":
            s = self.span(rec, SERVER, f"{step.name} docs", SpanKind.CLIENT, server, at,
                          {"db.system.name": "sqlite-vec", "db.operation.name": step.name,
                           "db.collection.name": "docs"})
            self.record("llama_stack.vector_io.operations_total", 1,
                        {"operation": step.name, "vector_db": "docs"}, s)
            self.record("llama_stack.vector_io.duration_seconds", seconds(step.units),
                        {"operation": step.name}, s)
            self.end(rec, s, end)
        elif step.kind == "tool":
            s = self.span(rec, SERVER, f"execute_tool {step.name}", SpanKind.INTERNAL, server, at,
                          {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": step.name})
            if step.name == "rag_search":
                q = self.span(rec, SERVER, "query docs", SpanKind.CLIENT, s, at,
                              {"db.system.name": "sqlite-vec", "db.operation.name": "query"})
                self.end(rec, q, at + max(1, step.units // 2))
            status = "error" if step.error else "ok"
            attrs = {"tool_name": step.name, "status": status}
            self.record("llama_stack.tool_runtime.invocations_total", 1, attrs, s)
            self.record("llama_stack.tool_runtime.duration_seconds", seconds(step.units), attrs, s)
            rec["failed_tool_calls"] += bool(step.error)
            self.end(rec, s, end, step.error, f"tool {step.name} failed: {step.error}")
        else:
            self.inference(rec, server, step, at)

    def inference(self, rec: dict, server, step: Step, at: int) -> None:
        end = at + step.units
        s = self.span(rec, SERVER, f"chat {step.name}", SpanKind.CLIENT, server, at,
                      {"gen_ai.operation.name": "chat", "gen_ai.provider.name": step.provider,
                       "gen_ai.request.model": step.name})
        app = {"model": step.name, "provider": step.provider}
        self.record("llama_stack.inference.concurrent_requests", 1, app, s)
        if step.provider in TRACED_PROVIDERS:
            p = self.span(rec, step.provider, TRACED_PROVIDERS[step.provider], SpanKind.SERVER,
                          s, at, {"gen_ai.request.model": step.name})
            self.end(rec, p, end, step.error, "model backend unavailable")
        if not step.error:
            if step.stream:
                s.add_event("gen_ai.first_token", timestamp=rec["base"] + micros(at + step.ttft) * 1000)
                self.record("llama_stack.inference.time_to_first_token_seconds",
                            seconds(step.ttft), app, s)
            s.set_attributes({"gen_ai.usage.input_tokens": step.tokens_in,
                              "gen_ai.usage.output_tokens": step.tokens_out})
            genai = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": step.provider,
                     "gen_ai.request.model": step.name}
            for kind, n in (("input", step.tokens_in), ("output", step.tokens_out)):
                self.record("gen_ai.client.token.usage", n, {**genai, "gen_ai.token.type": kind}, s)
            tps = round(step.tokens_out / seconds(step.units) * 16) / 16
            self.record("llama_stack.inference.tokens_per_second", tps, app, s)
        self.record("llama_stack.inference.duration_seconds", seconds(step.units),
                    {**app, "stream": step.stream, "status": "error" if step.error else "ok"}, s)
        self.record("llama_stack.inference.concurrent_requests", -1, app, s)
        self.kv_calls[step.name] += 1
        self.tally.add(SPECS["llama_stack.inference.kv_cache_utilization"],
                       self.kv_value(step.name), app)
        self.end(rec, s, end, step.error, f"{step.provider} returned 502")

    def shutdown(self) -> None:
        for tp in self.tracer_providers:
            tp.force_flush()
            tp.shutdown()
        for mp in self.meter_providers.values():
            mp.shutdown()


def series_json(series: dict, baseline: dict) -> dict:
    """Summary of every instrument from the tally and its warm-up snapshot."""
    out = []
    for spec in SPECS.values():
        rows = []
        for (name, attrs), state in sorted(series.items(), key=lambda kv: str(kv[0])):
            if name == spec.name:
                base = baseline.get((name, attrs))
                rows.append({"attributes": dict(attrs), **state,
                             "baseline": base if spec.type == "histogram" else
                             (base["value"] if base else None)})
        entry = {"name": spec.name, "prom": spec.prom, "type": spec.type,
                 "prom_type": PROM_TYPE[spec.type], "unit": spec.unit, "prom_unit": spec.prom_unit,
                 "help": spec.help, "service": spec.service, "series": rows}
        if spec.bounds is not None:
            entry["bounds"] = spec.bounds
        out.append(entry)
    return out


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--metrics-endpoint")
    ap.add_argument("--traces-endpoint")
    ap.add_argument("--protocol", choices=["grpc", "http/protobuf", "http/json"], required=True)
    ap.add_argument("--compression", choices=["gzip", "none"], default="none")
    ap.add_argument("--temporality", choices=["cumulative", "delta"], default="cumulative")
    ap.add_argument("--requests", type=int, default=120)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--interval-ms", type=int, default=200)
    ap.add_argument("--pause-ms", type=int, default=10)
    ap.add_argument("--instance-id", default="0")
    args = ap.parse_args(argv)
    if not 0 <= args.warmup <= args.requests or args.interval_ms <= 0:
        ap.error("need 0 <= --warmup <= --requests and a positive --interval-ms")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    wl = Workload(args)
    rng = random.Random(args.seed)
    plans = [plan_request(rng) for _ in range(args.requests)]
    for plan in plans[:args.warmup]:
        wl.run(plan)
    wl.collect()
    baseline = copy.deepcopy(wl.tally.series)

    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(args.interval_ms / 1000):
            wl.collect()

    ticker = threading.Thread(target=tick, name="collect", daemon=True)
    ticker.start()
    for plan in plans[args.warmup:]:
        wl.run(plan)
        time.sleep(args.pause_ms / 1000)
    stop.set()
    ticker.join()
    wl.collect()
    wl.shutdown()

    failed_tools = [t["trace_id"] for t in wl.traces if t["failed_tool_calls"]]
    summary = {
        "workload": {"seed": args.seed, "requests": args.requests, "warmup": args.warmup,
                     "protocol": args.protocol, "compression": args.compression,
                     "temporality": args.temporality, "namespace": "llama_stack"},
        "exports": wl.counted.calls,
        "resources": wl.resources,
        "metrics": series_json(wl.tally.series, baseline),
        "traces": {
            "count": len(wl.traces), "spans": sum(t["spans"] for t in wl.traces),
            "list": wl.traces,
            "operations": {svc: [{"name": n, "kind": k} for n, k in sorted(ops)]
                           for svc, ops in sorted(wl.operations.items())},
            "dependencies": dict(sorted(wl.dependencies.items())),
            "failed_tool_call_trace_ids": failed_tools,
            "error_trace_ids": [t["trace_id"] for t in wl.traces if t["error"]],
        },
    }
    json.dump(summary, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 1 if any(c["failed"] for c in wl.counted.calls.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
