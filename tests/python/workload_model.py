"""What the workload does and records, without the SDK: the service catalogue, the
instruments and the Prometheus families they must become, the seeded request plans, and
`Tally`, which aggregates every measurement the way the SDK must export it. Used by
workload.py (see its docstring for the CLI and the summary)."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field

CLIENT, SERVER = "chat-app", "llama-stack-server"
# model -> (provider, median time to first token in s, decode speed in tokens/s)
MODELS = {
    "llama-3.1-8b-instruct": ("vllm", 0.05, 110.0),
    "llama-3.3-70b-instruct": ("vllm", 0.25, 35.0),
    "qwen2.5-7b-instruct": ("ollama", 0.08, 60.0),
    "gpt-4o-mini": ("openai", 0.30, 75.0),
}
# Providers that are traced services of their own: the operation their server span has.
TRACED_PROVIDERS = {"vllm": "POST /v1/chat/completions", "ollama": "POST /api/chat"}
TOOLS = {"web_search": 0.40, "rag_search": 0.08, "code_interpreter": 0.15, "get_weather": 0.20}
TOOL_ERRORS = ["timeout", "upstream_error", "invalid_arguments"]
# (method, route, kind, weight)
ROUTES = [("POST", "/v1/chat/completions", "chat", 55), ("POST", "/v1/agents/turn", "agent", 25),
          ("POST", "/v1/vector-io/query", "query", 8), ("POST", "/v1/vector-io/insert", "insert", 7),
          ("GET", "/v1/models", "models", 5)]

MS_BOUNDS = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]
TOKEN_BOUNDS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536]
SECONDS_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
TPS_BOUNDS = [5, 10, 20, 40, 60, 80, 100, 150, 200]
UNIT = 1024  # durations are whole multiples of 1/UNIT s


@dataclass(frozen=True)
class Spec:
    """One instrument and the Prometheus family it must become with namespace llama_stack
    (rules of ../shared/docs/otel-to-prometheus.md §3: unit suffix unless already a name token,
    `_total` for counters, `_ratio` for unit-1 gauges, prefix not doubled)."""
    name: str
    type: str
    unit: str
    bounds: list | None
    prom: str
    prom_unit: str
    service: str
    help: str


SPECS = {s.name: s for s in [
    Spec("http.client.duration", "histogram", "ms", MS_BOUNDS,
         "llama_stack_http_client_duration_milliseconds", "milliseconds", CLIENT,
         "Duration of outbound HTTP requests."),
    Spec("http.server.duration", "histogram", "ms", MS_BOUNDS,
         "llama_stack_http_server_duration_milliseconds", "milliseconds", SERVER,
         "Duration of inbound HTTP requests."),
    Spec("http.server.active_requests", "updowncounter", "{request}", None,
         "llama_stack_http_server_active_requests", "", SERVER, "Requests in flight."),
    Spec("gen_ai.client.token.usage", "histogram", "{token}", TOKEN_BOUNDS,
         "llama_stack_gen_ai_client_token_usage", "", SERVER, "Tokens used per call."),
    Spec("llama_stack.inference.duration_seconds", "histogram", "s", SECONDS_BOUNDS,
         "llama_stack_inference_duration_seconds", "seconds", SERVER, "Inference call duration."),
    Spec("llama_stack.inference.time_to_first_token_seconds", "histogram", "s", SECONDS_BOUNDS,
         "llama_stack_inference_time_to_first_token_seconds", "seconds", SERVER,
         "Time until the first streamed token."),
    Spec("llama_stack.inference.tokens_per_second", "histogram", "", TPS_BOUNDS,
         "llama_stack_inference_tokens_per_second", "", SERVER, "Output tokens per second."),
    Spec("llama_stack.inference.concurrent_requests", "updowncounter", "{request}", None,
         "llama_stack_inference_concurrent_requests", "", SERVER, "Inference calls in flight."),
    Spec("llama_stack.inference.kv_cache_utilization", "gauge", "1", None,
         "llama_stack_inference_kv_cache_utilization_ratio", "", SERVER, "KV cache in use."),
    Spec("llama_stack.tool_runtime.invocations_total", "counter", "1", None,
         "llama_stack_tool_runtime_invocations_total", "", SERVER, "Tool invocations."),
    Spec("llama_stack.tool_runtime.duration_seconds", "histogram", "s", SECONDS_BOUNDS,
         "llama_stack_tool_runtime_duration_seconds", "seconds", SERVER, "Tool call duration."),
    Spec("llama_stack.vector_io.operations_total", "counter", "{operation}", None,
         "llama_stack_vector_io_operations_total", "", SERVER, "Vector store operations."),
    Spec("llama_stack.vector_io.duration_seconds", "histogram", "s", SECONDS_BOUNDS,
         "llama_stack_vector_io_duration_seconds", "seconds", SERVER,
         "Vector store operation duration."),
]}
PROM_TYPE = {"histogram": "histogram", "counter": "counter", "updowncounter": "gauge",
             "gauge": "gauge"}


def units(rng: random.Random, median_s: float, spread: float = 0.5) -> int:
    """A lognormal duration in whole 1/UNIT s, at least one."""
    return max(1, round(rng.lognormvariate(0.0, spread) * median_s * UNIT))


@dataclass
class Step:
    """One thing the gateway does for a request, in order."""
    kind: str  # shield | inference | tool | vector
    units: int
    name: str = ""  # model, tool or vector operation
    provider: str = ""
    stream: bool = False
    ttft: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    error: str | None = None


@dataclass
class Plan:
    method: str
    route: str
    kind: str
    overhead: int
    steps: list = field(default_factory=list)

    @property
    def status(self) -> int:
        return 502 if any(s.kind == "inference" and s.error for s in self.steps) else 200

    @property
    def server_units(self) -> int:
        return self.overhead + sum(s.units for s in self.steps)


def plan_request(rng: random.Random) -> Plan:
    """Draws one request from the seeded generator; nothing else consumes it."""
    method, route, kind, _ = rng.choices(ROUTES, weights=[r[3] for r in ROUTES])[0]
    plan = Plan(method, route, kind, units(rng, 0.003, 0.3))
    if kind in ("query", "insert"):
        plan.steps.append(Step("vector", units(rng, 0.02), kind))
    if kind not in ("chat", "agent"):
        return plan
    if kind == "chat" and rng.random() < 0.3:
        plan.steps.append(Step("shield", units(rng, 0.03), "llama-guard"))
    model = rng.choices(list(MODELS), weights=[45, 20, 20, 15])[0]
    tools = rng.choices([1, 2, 3], weights=[50, 35, 15])[0] if kind == "agent" else 0
    for final in ([False, True] if tools else [True]):
        provider, ttft_s, speed = MODELS[model]
        step = Step("inference", 0, model, provider, rng.random() < 0.6)
        step.tokens_in = max(8, round(rng.lognormvariate(0.0, 0.7) * (600 if final else 350)))
        step.tokens_out = max(1, round(rng.lognormvariate(0.0, 0.6) * (180 if final else 30)))
        step.ttft = units(rng, ttft_s + step.tokens_in / 30000, 0.3)
        step.units = step.ttft + max(1, round(step.tokens_out / (speed * rng.uniform(0.8, 1.2)) * UNIT))
        if rng.random() < 0.03:
            step.error = "upstream_502"
        plan.steps.append(step)
        if step.error or final:
            break
        for _ in range(tools):
            name = rng.choice(list(TOOLS))
            err = rng.choice(TOOL_ERRORS) if rng.random() < 0.2 else None
            plan.steps.append(Step("tool", units(rng, TOOLS[name]), name, error=err))
    return plan


class Tally:
    """What the SDK must export, aggregated here independently: per (instrument,
    attribute set) the histogram count/sum/per-bucket counts or the counter value."""

    def __init__(self) -> None:
        self.series: dict = {}

    def add(self, spec: Spec, value, attrs: dict) -> None:
        key = (spec.name, tuple(sorted(attrs.items())))
        if spec.type == "histogram":
            s = self.series.setdefault(key, {"count": 0, "sum": 0,
                                             "bucket_counts": [0] * (len(spec.bounds) + 1)})
            s["count"] += 1
            s["sum"] += value
            # Explicit buckets are upper-inclusive: (b[i-1], b[i]].
            s["bucket_counts"][bisect.bisect_left(spec.bounds, value)] += 1
        elif spec.type == "gauge":
            self.series[key] = {"value": value}
        else:
            self.series.setdefault(key, {"value": 0})["value"] += value
