//! The pre-encoded requests: the trace store's LLM-service workload, grouped into export
//! requests of whole traces (about 500 spans each, as an SDK's batch processor sends),
//! encoded once before the clock starts.

use model::trace::TraceId;
use prost::Message;
use prost::bytes::Bytes;

use super::workload::Workload;

/// Spans per request, roughly (requests hold whole traces).
const REQUEST_SPANS: usize = 500;

/// One encoded `ExportTraceServiceRequest`.
pub(crate) struct Batch {
    pub(crate) bytes: Bytes,
    pub(crate) spans: usize,
}

/// A generated trace.
#[derive(Clone, Copy)]
pub(crate) struct TraceInfo {
    pub(crate) id: TraceId,
    pub(crate) spans: u32,
}

pub(crate) struct Data {
    pub(crate) batches: Vec<Batch>,
    pub(crate) traces: Vec<TraceInfo>,
    pub(crate) spans: usize,
}

/// `total` spans whose traces start within `[start, start + range)`, generated on `threads`
/// threads (each a workload with its own seed, interleaved in time).
pub(crate) fn generate(total: usize, start: u64, range: u64, threads: usize) -> Data {
    let per_thread = total.div_ceil(threads);
    let parts: Vec<Data> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| s.spawn(move || part(7 + t as u64, per_thread, start, range)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("generator thread"))
            .collect()
    });
    let mut out = Data {
        batches: Vec::new(),
        traces: Vec::new(),
        spans: 0,
    };
    // Interleave the threads' requests so time moves forward evenly as they are sent.
    let mut iters: Vec<_> = parts
        .into_iter()
        .map(|p| {
            out.traces.extend(p.traces);
            out.spans += p.spans;
            p.batches.into_iter()
        })
        .collect();
    loop {
        let mut any = false;
        for it in &mut iters {
            if let Some(b) = it.next() {
                out.batches.push(b);
                any = true;
            }
        }
        if !any {
            return out;
        }
    }
}

fn part(seed: u64, spans: usize, start: u64, range: u64) -> Data {
    let mut w = Workload::new(seed, start);
    // A pilot estimates spans per trace, so the traces spread over the whole range.
    let mut pilot = Workload::new(seed ^ 0xdead, start);
    let per_trace = (0..200).map(|_| pilot.next_trace().len()).sum::<usize>() as f64 / 200.0;
    let traces = (spans as f64 / per_trace).max(1.0);
    w.gap = (range as f64 / traces) as u64;
    let mut out = Data {
        batches: Vec::new(),
        traces: Vec::new(),
        spans: 0,
    };
    let mut pending = Vec::new();
    while out.spans < spans {
        let t = w.next_trace();
        let id = t.first().map_or(TraceId::default(), |(_, s)| s.trace_id);
        out.traces.push(TraceInfo {
            id,
            spans: t.len() as u32,
        });
        out.spans += t.len();
        pending.extend(t);
        if pending.len() >= REQUEST_SPANS {
            out.batches.push(encode(&w, std::mem::take(&mut pending)));
        }
    }
    if !pending.is_empty() {
        out.batches.push(encode(&w, pending));
    }
    out
}

fn encode(w: &Workload, spans: Vec<(usize, model::trace::Span)>) -> Batch {
    let n = spans.len();
    let data = otelstore::otlp::traces::to_otlp(&w.batch(spans));
    let req = opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest {
        resource_spans: data.resource_spans,
    };
    Batch {
        bytes: Bytes::from(req.encode_to_vec()),
        spans: n,
    }
}
