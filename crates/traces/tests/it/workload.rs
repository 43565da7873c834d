//! A realistic span workload: LLM-service traces shaped like `shared/tools/otel_load.py`'s,
//! spread over several services. Shared by the integration tests and the benchmark
//! (`benches/traces.rs` includes this file).
//!
//! A request is a trace of 5 to 30 spans:
//! `web-frontend` CLIENT `POST /v1/...` → `llm-gateway` SERVER handler → auth and cache
//! (`redis`) calls, a `postgres` session lookup, one or two `chat <model>` CLIENT calls each
//! served by an `inference-server` SERVER span with `prefill`/`decode` children, and for
//! agent requests 0–3 `execute_tool` spans (some failing with an `exception` event, linked
//! to the inference span that asked for them), `rag_search` going to `vector-store`.
//! Attributes follow the gen_ai.*, http.*, db.* semantic conventions, with per-request
//! random ids (`gen_ai.response.id`, tool call ids) and token counts.

#![allow(dead_code)]

use model::trace::{
    AnyValue, Event, KeyValue, Link, Resource, ResourceSpans, Scope, ScopeSpans, Span, SpanId,
    SpanKind, Status, StatusCode, TraceBatch, TraceId,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const MODELS: [(&str, &str, &str); 4] = [
    ("llama-3.1-8b-instruct", "vllm", "vllm.internal"),
    ("llama-3.3-70b-instruct", "vllm", "vllm-large.internal"),
    ("qwen2.5-7b-instruct", "ollama", "ollama.internal"),
    ("gpt-4o-mini", "openai", "api.openai.com"),
];
const TOOLS: [(&str, &str, &str); 4] = [
    ("web_search", "builtin::websearch", "tavily-search"),
    ("rag_search", "builtin::rag", "rag-runtime"),
    (
        "calculator",
        "builtin::code_interpreter",
        "code-interpreter",
    ),
    ("get_weather", "mcp::weather", "model-context-protocol"),
];
const TOOL_ERRORS: [(&str, &str, &str); 3] = [
    ("timeout", "TimeoutError", "tool call exceeded its deadline"),
    (
        "upstream_502",
        "ConnectionError",
        "tool backend answered 502 Bad Gateway",
    ),
    (
        "invalid_arguments",
        "ValueError",
        "tool arguments failed schema validation",
    ),
];

/// Services and how many instances (resources) each has.
pub(crate) const SERVICES: [(&str, usize); 6] = [
    ("web-frontend", 2),
    ("llm-gateway", 3),
    ("inference-server", 2),
    ("vector-store", 1),
    ("postgres", 1),
    ("redis", 1),
];

/// Scopes used by every service.
const SCOPES: [(&str, &str); 3] = [
    ("opentelemetry.instrumentation.asgi", "0.66b1"),
    ("app.router", "0.9.3"),
    ("opentelemetry.instrumentation.httpx", "0.66b1"),
];

/// One resource + scope combination.
#[derive(Debug, Clone)]
pub(crate) struct OriginDef {
    pub(crate) resource: Resource,
    pub(crate) scope: Scope,
}

/// A span with the index of its origin in [`Workload::origins`].
pub(crate) type GenSpan = (usize, Span);

/// The generator; deterministic for a seed.
#[derive(Debug)]
pub(crate) struct Workload {
    rng: SmallRng,
    origins: Vec<OriginDef>,
    /// First origin index of each service (instances × scopes origins follow).
    service_base: Vec<usize>,
    /// Start of the next trace, ns.
    pub(crate) clock: u64,
    /// Mean gap between trace starts, ns.
    pub(crate) gap: u64,
}

fn kv(k: &str, v: impl Into<AnyValue>) -> KeyValue {
    KeyValue::new(k, v)
}

impl Workload {
    pub(crate) fn new(seed: u64, start_ns: u64) -> Workload {
        let mut origins = Vec::new();
        let mut service_base = Vec::new();
        for (svc, instances) in SERVICES {
            service_base.push(origins.len());
            for i in 0..instances {
                let resource = Resource {
                    attributes: vec![
                        kv("service.name", svc),
                        kv("service.namespace", "genai"),
                        kv(
                            "service.instance.id",
                            format!("{svc}-{i}-{:08x}", seed as u32 ^ i as u32),
                        ),
                        kv("service.version", "0.9.3"),
                        kv("deployment.environment.name", "prod"),
                        kv("host.name", format!("node-{i}")),
                        kv("telemetry.sdk.language", "python"),
                        kv("telemetry.sdk.name", "opentelemetry"),
                        kv("telemetry.sdk.version", "1.45.1"),
                    ],
                    dropped_attributes_count: 0,
                };
                for (name, version) in SCOPES {
                    origins.push(OriginDef {
                        resource: resource.clone(),
                        scope: Scope {
                            name: name.into(),
                            version: version.into(),
                            ..Scope::default()
                        },
                    });
                }
            }
        }
        Workload {
            rng: SmallRng::seed_from_u64(seed),
            origins,
            service_base,
            clock: start_ns,
            gap: 1_000_000,
        }
    }

    pub(crate) fn origins(&self) -> &[OriginDef] {
        &self.origins
    }

    fn origin(&mut self, service: usize, scope: usize) -> usize {
        let instances = SERVICES[service].1;
        let i = self.rng.gen_range(0..instances);
        self.service_base[service] + i * SCOPES.len() + scope
    }

    fn id8(&mut self) -> SpanId {
        SpanId(self.rng.r#gen::<u64>().max(1).to_le_bytes())
    }

    fn lognormal(&mut self, median_ns: f64, sigma: f64) -> u64 {
        // Box-Muller for a normal sample.
        let u1: f64 = self.rng.gen_range(1e-12..1.0);
        let u2: f64 = self.rng.r#gen();
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        (median_ns * (sigma * z).exp()).max(1000.0) as u64
    }

    #[allow(clippy::too_many_arguments)]
    fn span(
        &mut self,
        trace: TraceId,
        parent: Option<SpanId>,
        name: String,
        kind: SpanKind,
        start: u64,
        dur: u64,
        attributes: Vec<KeyValue>,
    ) -> Span {
        Span {
            trace_id: trace,
            span_id: self.id8(),
            parent_span_id: parent,
            flags: if kind == SpanKind::Server {
                0x301
            } else {
                0x101
            },
            name,
            kind,
            start_time_unix_nano: start,
            end_time_unix_nano: start + dur,
            attributes,
            ..Span::default()
        }
    }

    /// The spans of the next trace, in no particular order.
    pub(crate) fn next_trace(&mut self) -> Vec<GenSpan> {
        let trace = TraceId(self.rng.r#gen::<u128>().max(1).to_le_bytes());
        let start = self.clock;
        self.clock += self.rng.gen_range(0..self.gap * 2);
        let mut out: Vec<GenSpan> = Vec::new();
        let agent = self.rng.gen_bool(0.3);
        let route = if agent {
            "/v1/responses"
        } else {
            "/v1/chat/completions"
        };
        let client_addr = format!(
            "10.0.{}.{}",
            self.rng.gen_range(0..4),
            self.rng.gen_range(2..250)
        );

        // Gateway handler children first, to know the total duration.
        let (front_o, gw_o) = (self.origin(0, 2), self.origin(1, 0));
        let app_o = gw_o + 1;
        let client_id = self.id8();
        let server_id = self.id8();
        let mut cursor = start + 2_000_000 + self.lognormal(1_000_000.0, 0.4);
        let mut children: Vec<GenSpan> = Vec::new();
        // Auth and cache.
        let d = self.lognormal(300_000.0, 0.5);
        let user = format!("user-{}", self.rng.gen_range(0..5000));
        let auth = self.span(
            trace,
            Some(server_id),
            "authenticate".into(),
            SpanKind::Internal,
            cursor,
            d,
            vec![kv("enduser.id", user)],
        );
        children.push((app_o, auth));
        cursor += d;
        for _ in 0..self.rng.gen_range(0..4) {
            let d = self.lognormal(200_000.0, 0.4);
            let o = self.origin(1, 2);
            let s = self.span(
                trace,
                Some(server_id),
                "GET".into(),
                SpanKind::Client,
                cursor,
                d,
                vec![
                    kv("db.system.name", "redis"),
                    kv("db.operation.name", "GET"),
                    kv("server.address", "redis.internal"),
                    kv("server.port", 6379i64),
                ],
            );
            children.push((o, s));
            cursor += d;
        }
        let d = self.lognormal(1_500_000.0, 0.5);
        let o = self.origin(1, 2);
        let db = self.span(
            trace,
            Some(server_id),
            "SELECT sessions".into(),
            SpanKind::Client,
            cursor,
            d,
            vec![
                kv("db.system.name", "postgresql"),
                kv("db.namespace", "gateway"),
                kv("db.query.text", "SELECT * FROM sessions WHERE id = $1"),
                kv("server.address", "pg.internal"),
            ],
        );
        let db_id = db.span_id;
        children.push((o, db));
        let pg_o = self.origin(4, 0);
        let pg = self.span(
            trace,
            Some(db_id),
            "query".into(),
            SpanKind::Server,
            cursor + 100_000,
            d.saturating_sub(200_000).max(1000),
            vec![kv("db.operation.name", "SELECT")],
        );
        children.push((pg_o, pg));
        cursor += d;

        let n_tools = if agent { self.rng.gen_range(0..4) } else { 0 };
        let (model, provider, address) = MODELS[self.rng.gen_range(0..MODELS.len())];
        let mut last_inference: Option<SpanId> = None;
        let mut failed = false;
        let rounds = if n_tools > 0 { 2 } else { 1 };
        for round in 0..rounds {
            let d = self.inference(
                trace,
                server_id,
                app_o,
                cursor,
                model,
                provider,
                address,
                &mut children,
                &mut last_inference,
                &mut failed,
            );
            cursor += d;
            if round == 0 {
                for _ in 0..n_tools {
                    cursor += self.tool(
                        trace,
                        server_id,
                        app_o,
                        cursor,
                        last_inference,
                        &mut children,
                    );
                }
            }
        }
        let status_code: i64 = if failed {
            502
        } else if self.rng.gen_bool(0.01) {
            429
        } else {
            200
        };
        let server_dur = cursor - start + self.lognormal(500_000.0, 0.3);
        let body_size = self.rng.gen_range(300..20_000i64);
        let mut server = self.span(
            trace,
            Some(client_id),
            format!("POST {route}"),
            SpanKind::Server,
            start + 1_000_000,
            server_dur,
            vec![
                kv("http.request.method", "POST"),
                kv("url.scheme", "http"),
                kv("url.path", route),
                kv("http.route", route),
                kv("server.address", "gateway.internal"),
                kv("server.port", 8321i64),
                kv("network.protocol.version", "1.1"),
                kv("client.address", client_addr),
                kv("user_agent.original", "OpenAI/Python 1.109.1"),
                kv("http.response.status_code", status_code),
                kv("http.response.body.size", body_size),
            ],
        );
        server.span_id = server_id;
        if status_code >= 500 {
            server.status = Status {
                code: StatusCode::Error,
                message: format!("HTTP {status_code}"),
            };
            server
                .attributes
                .push(kv("error.type", status_code.to_string()));
        }
        out.push((gw_o, server));
        let mut client = self.span(
            trace,
            None,
            format!("POST {route}"),
            SpanKind::Client,
            start,
            server_dur + 2_000_000,
            vec![
                kv("http.request.method", "POST"),
                kv("server.address", "gateway.internal"),
                kv("url.full", format!("http://gateway.internal:8321{route}")),
                kv("http.response.status_code", status_code),
            ],
        );
        client.span_id = client_id;
        client.flags = 0x100;
        out.push((front_o, client));
        out.extend(children);
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn inference(
        &mut self,
        trace: TraceId,
        parent: SpanId,
        app_o: usize,
        at: u64,
        model: &str,
        provider: &str,
        address: &str,
        out: &mut Vec<GenSpan>,
        last: &mut Option<SpanId>,
        failed: &mut bool,
    ) -> u64 {
        let input = self.lognormal(450.0, 0.8).max(8) as i64;
        let output = self.lognormal(220.0, 0.7).max(1) as i64;
        let ttft = self.lognormal(90_000_000.0, 0.35);
        let dur = ttft + output as u64 * 12_000_000;
        let fail = self.rng.gen_bool(0.02);
        let mut attrs = vec![
            kv("gen_ai.operation.name", "chat"),
            kv("gen_ai.provider.name", provider),
            kv("gen_ai.request.model", model),
            kv("gen_ai.request.max_tokens", 1024i64),
            kv(
                "gen_ai.request.temperature",
                [0.0, 0.2, 0.7, 1.0][self.rng.gen_range(0..4)],
            ),
            kv("server.address", address),
            kv(
                "server.port",
                if provider == "openai" { 443i64 } else { 8000 },
            ),
        ];
        let mut span = self.span(
            trace,
            Some(parent),
            format!("chat {model}"),
            SpanKind::Client,
            at,
            dur,
            Vec::new(),
        );
        if fail {
            *failed = true;
            attrs.push(kv("error.type", "upstream_502"));
            span.status = Status {
                code: StatusCode::Error,
                message: format!("{provider} returned 502 Bad Gateway"),
            };
            span.events.push(Event {
                time_unix_nano: at + dur,
                name: "exception".into(),
                attributes: vec![
                    kv("exception.type", "ConnectionError"),
                    kv(
                        "exception.message",
                        format!("{provider} returned 502 Bad Gateway"),
                    ),
                    kv("exception.escaped", false),
                ],
                dropped_attributes_count: 0,
            });
        } else {
            let id = format!("chatcmpl-{:020x}", self.rng.r#gen::<u128>() >> 48);
            attrs.extend([
                kv("gen_ai.response.model", model),
                kv("gen_ai.response.id", id),
                KeyValue {
                    key: "gen_ai.response.finish_reasons".into(),
                    value: AnyValue::Array(vec!["stop".into()]),
                },
                kv("gen_ai.usage.input_tokens", input),
                kv("gen_ai.usage.output_tokens", output),
            ]);
            if self.rng.gen_bool(0.6) {
                span.events.push(Event {
                    time_unix_nano: at + ttft,
                    name: "gen_ai.first_token".into(),
                    attributes: vec![kv(
                        "gen_ai.response.time_to_first_token",
                        (ttft as f64 / 1e9 * 1e4).round() / 1e4,
                    )],
                    dropped_attributes_count: 0,
                });
            }
        }
        span.attributes = attrs;
        let id = span.span_id;
        out.push((app_o + 1, span));
        *last = Some(id);
        // The provider's own spans.
        let inf_o = self.origin(2, 0);
        let srv = self.span(
            trace,
            Some(id),
            "POST /v1/chat/completions".into(),
            SpanKind::Server,
            at + 500_000,
            dur - 1_000_000,
            vec![
                kv("http.request.method", "POST"),
                kv("http.route", "/v1/chat/completions"),
                kv("http.response.status_code", if fail { 502i64 } else { 200 }),
            ],
        );
        let srv_id = srv.span_id;
        out.push((inf_o, srv));
        if !fail {
            let batch = self.rng.gen_range(1..32i64);
            let pre = self.span(
                trace,
                Some(srv_id),
                "prefill".into(),
                SpanKind::Internal,
                at + 600_000,
                ttft,
                vec![kv("llm.batch_size", batch)],
            );
            out.push((inf_o + 1, pre));
            let dec = self.span(
                trace,
                Some(srv_id),
                "decode".into(),
                SpanKind::Internal,
                at + 600_000 + ttft,
                dur - ttft - 1_200_000,
                vec![kv("llm.tokens", output)],
            );
            out.push((inf_o + 1, dec));
        }
        dur
    }

    fn tool(
        &mut self,
        trace: TraceId,
        parent: SpanId,
        app_o: usize,
        at: u64,
        link: Option<SpanId>,
        out: &mut Vec<GenSpan>,
    ) -> u64 {
        let (name, group, provider) = TOOLS[self.rng.gen_range(0..TOOLS.len())];
        let mut dur = self.lognormal(150_000_000.0, 0.5);
        let err = self
            .rng
            .gen_bool(0.2)
            .then(|| TOOL_ERRORS[self.rng.gen_range(0..3)]);
        if err.is_some_and(|e| e.0 == "timeout") {
            dur = dur.max(2_000_000_000);
        }
        let call_id = format!("call_{:024x}", self.rng.r#gen::<u128>() >> 32);
        let mut span = self.span(
            trace,
            Some(parent),
            format!("execute_tool {name}"),
            SpanKind::Internal,
            at,
            dur,
            vec![
                kv("gen_ai.operation.name", "execute_tool"),
                kv("gen_ai.tool.name", name),
                kv("gen_ai.tool.type", "function"),
                kv("gen_ai.tool.call.id", call_id),
                kv("tool.group", group),
                kv("tool.provider", provider),
            ],
        );
        if let Some(l) = link {
            span.links.push(Link {
                trace_id: trace,
                span_id: l,
                attributes: vec![kv("link.reason", "requested_by")],
                ..Link::default()
            });
        }
        if let Some((etype, class, msg)) = err {
            span.attributes.push(kv("error.type", etype));
            span.status = Status {
                code: StatusCode::Error,
                message: msg.into(),
            };
            span.events.push(Event {
                time_unix_nano: at + dur,
                name: "exception".into(),
                attributes: vec![kv("exception.type", class), kv("exception.message", msg),
                    kv("exception.stacktrace", format!("Traceback (most recent call last):\n  File \"/app/tools/{name}.py\", line 42, in run\n{class}: {msg}"))],
                dropped_attributes_count: 0,
            });
        }
        let id = span.span_id;
        out.push((app_o, span));
        if name == "rag_search" {
            let o = self.origin(3, 0);
            let q = self.span(
                trace,
                Some(id),
                "query docs_index".into(),
                SpanKind::Server,
                at + dur / 10,
                dur * 7 / 10,
                vec![
                    kv("db.system.name", "sqlite-vec"),
                    kv("db.operation.name", "query"),
                    kv("db.collection.name", "docs_index"),
                    kv("vector_io.top_k", 5i64),
                ],
            );
            out.push((o, q));
        }
        dur
    }

    /// Groups spans as a batch (one resource group per origin used).
    pub(crate) fn batch(&self, spans: impl IntoIterator<Item = GenSpan>) -> TraceBatch {
        let mut by_origin: Vec<Vec<Span>> = vec![Vec::new(); self.origins.len()];
        for (o, s) in spans {
            by_origin[o].push(s);
        }
        let mut batch = TraceBatch::default();
        for (o, spans) in by_origin.into_iter().enumerate() {
            if spans.is_empty() {
                continue;
            }
            let def = &self.origins[o];
            batch.resource_spans.push(ResourceSpans {
                resource: def.resource.clone(),
                schema_url: String::new(),
                scope_spans: vec![ScopeSpans {
                    scope: def.scope.clone(),
                    schema_url: String::new(),
                    spans,
                }],
            });
        }
        batch
    }
}
