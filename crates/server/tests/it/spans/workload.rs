//! The workload: eight traces of an LLM service. A chat client (`chat-app`) calls the
//! gateway (`llm-gateway`), which calls an inference provider that is a traced service of its
//! own (`vllm` or `ollama`) and runs tools (`execute_tool <name>`, some failing with an
//! exception event, `rag_search` querying a vector store). Two traces are plain
//! `GET /v1/models` calls. Every trace arrives in up to three requests: client and gateway
//! server spans over HTTP, the gateway's inner spans over gRPC, provider spans over HTTP.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, any_value::Value as V,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::{Event, Link, SpanKind};
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};

use super::Transport;

const MS: u64 = 1_000_000;

/// One trace's plan: route, provider, tools (name, fails).
struct Plan {
    chat: bool,
    provider: &'static str,
    tools: &'static [(&'static str, bool)],
}

const PLANS: [Plan; 8] = [
    Plan {
        chat: true,
        provider: "vllm",
        tools: &[("web_search", false)],
    },
    Plan {
        chat: true,
        provider: "ollama",
        tools: &[("calculator", true)],
    },
    Plan {
        chat: true,
        provider: "vllm",
        tools: &[("rag_search", false), ("calculator", false)],
    },
    Plan {
        chat: false,
        provider: "",
        tools: &[],
    },
    Plan {
        chat: true,
        provider: "ollama",
        tools: &[("rag_search", true), ("web_search", false)],
    },
    Plan {
        chat: true,
        provider: "vllm",
        tools: &[],
    },
    Plan {
        chat: true,
        provider: "vllm",
        tools: &[("web_search", true)],
    },
    Plan {
        chat: false,
        provider: "",
        tools: &[],
    },
];

/// A span as sent, with its service and the request stage that carried it.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    /// Index of its trace.
    pub(crate) trace: usize,
    /// `service.name` of its resource.
    pub(crate) service: &'static str,
    /// Instrumentation scope name.
    pub(crate) scope: &'static str,
    /// The span.
    pub(crate) span: Span,
    stage: usize,
}

impl Sent {
    /// The span name.
    pub(crate) fn name(&self) -> &str {
        &self.span.name
    }

    /// Duration in ns.
    pub(crate) fn duration(&self) -> u64 {
        self.span.end_time_unix_nano - self.span.start_time_unix_nano
    }

    /// Status ERROR.
    pub(crate) fn is_error(&self) -> bool {
        self.span
            .status
            .as_ref()
            .is_some_and(|s| s.code == StatusCode::Error as i32)
    }

    /// A span attribute as text (strings as is, numbers and booleans printed).
    pub(crate) fn attr(&self, key: &str) -> Option<String> {
        let kv = self.span.attributes.iter().find(|kv| kv.key == key)?;
        Some(match kv.value.as_ref()?.value.as_ref()? {
            V::StringValue(s) => s.clone(),
            V::IntValue(i) => i.to_string(),
            V::DoubleValue(d) => d.to_string(),
            V::BoolValue(b) => b.to_string(),
            _ => return None,
        })
    }
}

/// The workload and the requests that carry it.
#[derive(Debug)]
pub(crate) struct Workload {
    /// Start of the first trace, ns (a whole second).
    pub(crate) base_ns: u64,
    /// Every span.
    pub(crate) spans: Vec<Sent>,
    /// The export requests, in sending order.
    pub(crate) requests: Vec<(Transport, ExportTraceServiceRequest)>,
}

/// The number of traces.
pub(crate) const TRACES: usize = PLANS.len();

/// Trace id `i` as 16 bytes.
pub(crate) fn trace_id(i: usize) -> Vec<u8> {
    let mut id = vec![0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6];
    id.extend([0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, i as u8]);
    id
}

fn kv(key: &str, v: V) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(v) }),
        ..Default::default()
    }
}

fn s(v: &str) -> V {
    V::StringValue(v.into())
}

fn resource(service: &str) -> Resource {
    Resource {
        attributes: vec![
            kv("service.name", s(service)),
            kv("service.namespace", s("genai")),
            kv("service.instance.id", s(&format!("{service}-1"))),
            kv("deployment.environment.name", s("test")),
        ],
        ..Default::default()
    }
}

impl Workload {
    /// Builds the workload with trace `i` starting at `base_ns + i * 2 s`.
    pub(crate) fn new(base_ns: u64) -> Workload {
        let mut spans = Vec::new();
        for (i, plan) in PLANS.iter().enumerate() {
            build_trace(i, plan, base_ns + i as u64 * 2_000 * MS, &mut spans);
        }
        let mut requests = Vec::new();
        for (stage, transport) in [Transport::Http, Transport::Grpc, Transport::Http]
            .into_iter()
            .enumerate()
        {
            let req = request(spans.iter().filter(|x| x.stage == stage));
            requests.push((transport, req));
        }
        Workload {
            base_ns,
            spans,
            requests,
        }
    }

    /// A workload starting two minutes ago (on a whole second).
    pub(crate) fn recent() -> Workload {
        let now_s = crate::support_now() as u64 / 1000;
        Workload::new((now_s - 120) * 1_000_000_000)
    }

    /// Trace `i`'s id in 32 hex digits.
    pub(crate) fn trace_hex(i: usize) -> String {
        trace_id(i).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Spans of trace `i`.
    pub(crate) fn spans_of(&self, i: usize) -> impl Iterator<Item = &Sent> {
        self.spans.iter().filter(move |x| x.trace == i)
    }

    /// Start of trace `i` (its earliest span), ns.
    pub(crate) fn start_of(&self, i: usize) -> u64 {
        self.spans_of(i)
            .map(|x| x.span.start_time_unix_nano)
            .min()
            .unwrap_or(0)
    }

    /// Traces with a span satisfying `pred`, newest first.
    pub(crate) fn matching(&self, pred: impl Fn(&Sent) -> bool) -> Vec<String> {
        let mut hits: Vec<usize> = (0..TRACES)
            .filter(|&i| self.spans_of(i).any(&pred))
            .collect();
        hits.sort_by_key(|&i| std::cmp::Reverse(self.start_of(i)));
        hits.into_iter().map(Workload::trace_hex).collect()
    }
}

/// One export request holding `spans`, grouped by service and scope.
pub(crate) fn request<'a>(spans: impl Iterator<Item = &'a Sent>) -> ExportTraceServiceRequest {
    let mut out: Vec<ResourceSpans> = Vec::new();
    for x in spans {
        let rs = match out
            .iter()
            .position(|r| r.resource == Some(resource(x.service)))
        {
            Some(i) => &mut out[i],
            None => {
                out.push(ResourceSpans {
                    resource: Some(resource(x.service)),
                    ..Default::default()
                });
                out.last_mut().expect("just pushed")
            }
        };
        let ss = match rs
            .scope_spans
            .iter()
            .position(|s| s.scope.as_ref().is_some_and(|sc| sc.name == x.scope))
        {
            Some(i) => &mut rs.scope_spans[i],
            None => {
                rs.scope_spans.push(ScopeSpans {
                    scope: Some(InstrumentationScope {
                        name: x.scope.into(),
                        version: "1.2.0".into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                });
                rs.scope_spans.last_mut().expect("just pushed")
            }
        };
        ss.spans.push(x.span.clone());
    }
    ExportTraceServiceRequest {
        resource_spans: out,
    }
}

struct Builder<'a> {
    trace: usize,
    next: u8,
    out: &'a mut Vec<Sent>,
}

impl Builder<'_> {
    #[allow(clippy::too_many_arguments)]
    fn span(
        &mut self,
        service: &'static str,
        scope: &'static str,
        stage: usize,
        name: String,
        kind: SpanKind,
        parent: Option<&[u8]>,
        (start, end): (u64, u64),
        attributes: Vec<KeyValue>,
    ) -> Vec<u8> {
        self.next += 1;
        let id = vec![
            0x00,
            0xf0,
            0x67,
            0xaa,
            0x0b,
            0xa9,
            self.trace as u8,
            self.next,
        ];
        self.out.push(Sent {
            trace: self.trace,
            service,
            scope,
            stage,
            span: Span {
                trace_id: trace_id(self.trace),
                span_id: id.clone(),
                parent_span_id: parent.map(<[u8]>::to_vec).unwrap_or_default(),
                flags: 0x301,
                name,
                kind: kind as i32,
                start_time_unix_nano: start,
                end_time_unix_nano: end,
                attributes,
                ..Default::default()
            },
        });
        id
    }

    fn last(&mut self) -> &mut Span {
        &mut self.out.last_mut().expect("a span").span
    }
}

fn build_trace(i: usize, plan: &Plan, t: u64, out: &mut Vec<Sent>) {
    let d = (100 + 50 * i as u64) * MS;
    let mut b = Builder {
        trace: i,
        next: 0,
        out,
    };
    let route = if plan.chat {
        "POST /v1/chat/completions"
    } else {
        "GET /v1/models"
    };
    let path = route.split_once(' ').map_or(route, |(_, p)| p);
    let method = route.split_once(' ').map_or("GET", |(m, _)| m);
    let http = |status: i64| {
        vec![
            kv("http.request.method", s(method)),
            kv("url.path", s(path)),
            kv("http.response.status_code", V::IntValue(status)),
        ]
    };
    let client = b.span(
        "chat-app",
        "opentelemetry.instrumentation.httpx",
        0,
        route.into(),
        SpanKind::Client,
        None,
        (t, t + d),
        http(200),
    );
    let mut server_attrs = http(200);
    server_attrs.push(kv("http.route", s(path)));
    let server = b.span(
        "llm-gateway",
        "opentelemetry.instrumentation.asgi",
        0,
        route.into(),
        SpanKind::Server,
        Some(&client),
        (t + MS, t + d - MS),
        server_attrs,
    );
    if !plan.chat {
        return;
    }
    let model = if plan.provider == "vllm" {
        "llama-3.1-8b"
    } else {
        "qwen2.5-7b"
    };
    let chat_end = t + 5 * MS + d / 2;
    let chat = b.span(
        "llm-gateway",
        "llm-gateway.app",
        1,
        format!("chat {model}"),
        SpanKind::Client,
        Some(&server),
        (t + 5 * MS, chat_end),
        vec![
            kv("gen_ai.operation.name", s("chat")),
            kv("gen_ai.provider.name", s(plan.provider)),
            kv("gen_ai.request.model", s(model)),
            kv("gen_ai.request.temperature", V::DoubleValue(0.25)),
            kv("gen_ai.usage.input_tokens", V::IntValue(100 + i as i64)),
            kv("stream", V::BoolValue(i.is_multiple_of(2))),
            kv(
                "gen_ai.response.finish_reasons",
                V::ArrayValue(ArrayValue {
                    values: vec![AnyValue {
                        value: Some(s("stop")),
                    }],
                }),
            ),
        ],
    );
    b.last().events.push(Event {
        time_unix_nano: t + 15 * MS,
        name: "gen_ai.first_token".into(),
        attributes: vec![kv(
            "gen_ai.response.time_to_first_token",
            V::DoubleValue(0.01),
        )],
        ..Default::default()
    });
    b.span(
        plan.provider,
        "vllm.entrypoints",
        2,
        format!("chat {model}"),
        SpanKind::Server,
        Some(&chat),
        (t + 6 * MS, chat_end - MS),
        vec![kv("gen_ai.request.model", s(model))],
    );
    for (k, (tool, fails)) in plan.tools.iter().enumerate() {
        let start = chat_end + 2 * MS + k as u64 * 20 * MS;
        let end = start + 15 * MS;
        let call_id = format!("call_{i}_{k}");
        let tool_span = b.span(
            "llm-gateway",
            "llm-gateway.app",
            1,
            format!("execute_tool {tool}"),
            SpanKind::Internal,
            Some(&server),
            (start, end),
            vec![
                kv("gen_ai.operation.name", s("execute_tool")),
                kv("gen_ai.tool.name", s(tool)),
                kv("gen_ai.tool.call.id", s(&call_id)),
            ],
        );
        let trace = trace_id(i);
        let last = b.last();
        last.links.push(Link {
            trace_id: trace,
            span_id: chat.clone(),
            attributes: vec![kv("link.reason", s("requested_by"))],
            ..Default::default()
        });
        if *fails {
            last.attributes.push(kv("error.type", s("ToolError")));
            last.status = Some(Status {
                message: format!("{tool} failed"),
                code: StatusCode::Error as i32,
            });
            last.events.push(Event {
                time_unix_nano: end,
                name: "exception".into(),
                attributes: vec![
                    kv("exception.type", s("ToolError")),
                    kv("exception.message", s(&format!("{tool} failed"))),
                ],
                ..Default::default()
            });
        }
        if *tool == "rag_search" {
            b.span(
                "llm-gateway",
                "llm-gateway.app",
                1,
                "query docs_index".into(),
                SpanKind::Client,
                Some(&tool_span),
                (start + 2 * MS, end - 2 * MS),
                vec![
                    kv("db.system.name", s("sqlite-vec")),
                    kv("db.collection.name", s("docs_index")),
                ],
            );
        }
    }
}
