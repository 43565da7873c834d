//! The head: recent spans in memory, by trace, made durable by the WAL.
//!
//! Traces live in 64 lock shards chosen by a hash of the trace id. Each span keeps an `Arc`
//! to its [`Origin`] (resource + scope), so a batch's resource is stored once however many
//! spans it carries. The head also keeps a [`Catalog`] current at ingest.
//!
//! Appenders hold `gate` for reading from their WAL write until their spans are in the head;
//! a flush takes it for writing for a moment, so a WAL cut never splits an append.
//! Sub-modules: [`read`] (trace lookups, search, dependencies over the head).

pub(crate) mod read;

use crate::{FastMap, FastSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use model::trace::{Resource, Scope, Span, TraceBatch, TraceId};
use parking_lot::{Mutex, RwLock};

use crate::catalog::Catalog;
use crate::query::TagScope;

const SHARDS: usize = 64;

/// A span's resource and instrumentation scope, shared by the spans of one batch group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Origin {
    pub(crate) resource: Resource,
    pub(crate) resource_schema: String,
    pub(crate) scope: Scope,
    pub(crate) scope_schema: String,
    /// `service.name`, or Jaeger's placeholder.
    pub(crate) service: String,
}

impl Origin {
    pub(crate) fn new(
        resource: Resource,
        resource_schema: String,
        scope: Scope,
        scope_schema: String,
    ) -> Origin {
        let service = resource.service_or_default().to_owned();
        Origin {
            resource,
            resource_schema,
            scope,
            scope_schema,
            service,
        }
    }
}

/// A span with its origin.
#[derive(Debug, Clone)]
pub(crate) struct HeadSpan {
    pub(crate) origin: Arc<Origin>,
    pub(crate) span: Span,
}

/// The spans of one trace received so far.
#[derive(Debug, Clone)]
pub(crate) struct HeadTrace {
    pub(crate) spans: Vec<HeadSpan>,
    pub(crate) min_start: u64,
    pub(crate) max_end: u64,
    /// Approximate memory held.
    pub(crate) bytes: usize,
    /// Wall-clock ms (since the head was created) of the first and the latest append.
    pub(crate) first_seen: u64,
    pub(crate) last_seen: u64,
}

pub(crate) type Shard = FastMap<TraceId, HeadTrace>;

/// See the module docs.
#[derive(Debug)]
pub(crate) struct Head {
    shards: Box<[RwLock<Shard>]>,
    /// Appends hold it for reading, WAL cuts for writing.
    pub(crate) gate: RwLock<()>,
    bytes: AtomicUsize,
    spans: AtomicU64,
    pub(crate) catalog: Mutex<Catalog>,
    tag_values_cap: usize,
    epoch: std::time::Instant,
}

pub(crate) fn shard_of(id: &TraceId) -> usize {
    let mut lo = [0u8; 8];
    let mut hi = [0u8; 8];
    lo.copy_from_slice(&id.0[..8]);
    hi.copy_from_slice(&id.0[8..]);
    let h = (u64::from_le_bytes(lo) ^ u64::from_le_bytes(hi).rotate_left(29))
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> 58) as usize
}

/// Rough memory a span holds, for the head budget.
pub(crate) fn span_bytes(s: &Span) -> usize {
    let attrs = |kvs: &[model::trace::KeyValue]| -> usize {
        kvs.iter()
            .map(|kv| 48 + kv.key.len() + value_bytes(&kv.value))
            .sum()
    };
    let events: usize = s
        .events
        .iter()
        .map(|e| 64 + e.name.len() + attrs(&e.attributes))
        .sum();
    let links: usize = s.links.iter().map(|l| 96 + attrs(&l.attributes)).sum();
    240 + s.name.len()
        + s.trace_state.len()
        + s.status.message.len()
        + attrs(&s.attributes)
        + events
        + links
}

fn value_bytes(v: &model::trace::AnyValue) -> usize {
    use model::trace::AnyValue as V;
    match v {
        V::String(s) => s.len(),
        V::Bytes(b) => b.len(),
        V::Array(a) => a.iter().map(|v| 32 + value_bytes(v)).sum(),
        V::KvList(l) => l
            .iter()
            .map(|kv| 48 + kv.key.len() + value_bytes(&kv.value))
            .sum(),
        _ => 0,
    }
}

impl Head {
    pub(crate) fn new(tag_values_cap: usize) -> Head {
        Head {
            shards: (0..SHARDS).map(|_| RwLock::new(Shard::default())).collect(),
            gate: RwLock::new(()),
            bytes: AtomicUsize::new(0),
            spans: AtomicU64::new(0),
            catalog: Mutex::new(Catalog::default()),
            tag_values_cap,
            epoch: std::time::Instant::now(),
        }
    }

    /// Milliseconds since the head was created (the clock of `first_seen`/`last_seen`).
    pub(crate) fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    pub(crate) fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    pub(crate) fn span_count(&self) -> u64 {
        self.spans.load(Ordering::Relaxed)
    }

    /// Adds a batch (already durable in the WAL, or being replayed from it).
    pub(crate) fn insert(&self, batch: &TraceBatch) {
        let now = self.now_ms();
        let mut by_shard: Vec<Vec<HeadSpan>> = vec![Vec::new(); SHARDS];
        {
            let mut cat = self.catalog.lock();
            let cap = self.tag_values_cap;
            for rs in &batch.resource_spans {
                cat.observe_attrs(TagScope::Resource, &rs.resource.attributes, cap);
                for ss in &rs.scope_spans {
                    let origin = Arc::new(Origin::new(
                        rs.resource.clone(),
                        rs.schema_url.clone(),
                        ss.scope.clone(),
                        ss.schema_url.clone(),
                    ));
                    for s in &ss.spans {
                        cat.observe_span(&origin.service, s, cap);
                        by_shard[shard_of(&s.trace_id)].push(HeadSpan {
                            origin: Arc::clone(&origin),
                            span: s.clone(),
                        });
                    }
                }
            }
        }
        let (mut added_bytes, mut added_spans) = (0usize, 0u64);
        for (i, spans) in by_shard.into_iter().enumerate() {
            if spans.is_empty() {
                continue;
            }
            let mut shard = self.shards[i].write();
            for hs in spans {
                let b = span_bytes(&hs.span);
                added_bytes += b;
                added_spans += 1;
                let t = shard.entry(hs.span.trace_id).or_insert_with(|| HeadTrace {
                    spans: Vec::new(),
                    min_start: u64::MAX,
                    max_end: 0,
                    bytes: 0,
                    first_seen: now,
                    last_seen: now,
                });
                t.min_start = t.min_start.min(hs.span.start_time_unix_nano);
                t.max_end = t.max_end.max(hs.span.end_time_unix_nano);
                t.bytes += b;
                t.last_seen = now;
                t.spans.push(hs);
            }
        }
        self.bytes.fetch_add(added_bytes, Ordering::Relaxed);
        self.spans.fetch_add(added_spans, Ordering::Relaxed);
    }

    /// Removes and returns the traces `pick` selects, given (id, trace).
    pub(crate) fn take(
        &self,
        mut pick: impl FnMut(&TraceId, &HeadTrace) -> bool,
    ) -> Vec<(TraceId, HeadTrace)> {
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            let mut shard = shard.write();
            let ids: Vec<TraceId> = shard
                .iter()
                .filter(|(id, t)| pick(id, t))
                .map(|(id, _)| *id)
                .collect();
            for id in ids {
                if let Some(t) = shard.remove(&id) {
                    out.push((id, t));
                }
            }
        }
        let bytes: usize = out.iter().map(|(_, t)| t.bytes).sum();
        let spans: usize = out.iter().map(|(_, t)| t.spans.len()).sum();
        self.bytes.fetch_sub(bytes, Ordering::Relaxed);
        self.spans.fetch_sub(spans as u64, Ordering::Relaxed);
        out
    }

    /// Puts back traces a failed flush took out.
    pub(crate) fn restore(&self, traces: FastMap<TraceId, HeadTrace>) {
        for (id, t) in traces {
            let (bytes, spans) = (t.bytes, t.spans.len() as u64);
            let mut shard = self.shards[shard_of(&id)].write();
            match shard.get_mut(&id) {
                Some(cur) => {
                    cur.min_start = cur.min_start.min(t.min_start);
                    cur.max_end = cur.max_end.max(t.max_end);
                    cur.first_seen = cur.first_seen.min(t.first_seen);
                    cur.bytes += t.bytes;
                    let newer = std::mem::replace(&mut cur.spans, t.spans);
                    cur.spans.extend(newer);
                }
                None => {
                    shard.insert(id, t);
                }
            }
            self.bytes.fetch_add(bytes, Ordering::Relaxed);
            self.spans.fetch_add(spans, Ordering::Relaxed);
        }
    }

    /// Calls `f` on every trace, shard by shard under its read lock.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&TraceId, &HeadTrace)) {
        for shard in self.shards.iter() {
            for (id, t) in shard.read().iter() {
                f(id, t);
            }
        }
    }

    /// Calls `f` with each shard's traces, one shard read lock at a time.
    pub(crate) fn for_each_shard(&self, mut f: impl FnMut(&Shard)) {
        for shard in self.shards.iter() {
            f(&shard.read());
        }
    }

    /// (first_seen, last_seen, bytes) of every trace, for flush planning.
    pub(crate) fn trace_ages(&self) -> Vec<(TraceId, u64, u64, usize)> {
        let mut out = Vec::new();
        self.for_each(|id, t| out.push((*id, t.first_seen, t.last_seen, t.bytes)));
        out
    }

    /// Span count of every trace now (a consistent cut when taken under the write gate).
    pub(crate) fn lengths(&self) -> FastMap<TraceId, usize> {
        let mut out = FastMap::default();
        self.for_each(|id, t| {
            out.insert(*id, t.spans.len());
        });
        out
    }

    /// Rebuilds the catalog from what the head holds (after a flush took traces away).
    pub(crate) fn rebuild_catalog(&self) {
        let mut cat = Catalog::default();
        let cap = self.tag_values_cap;
        let mut seen_origins: FastSet<*const Origin> = Default::default();
        self.for_each(|_, t| {
            for hs in &t.spans {
                let ptr = Arc::as_ptr(&hs.origin);
                if seen_origins.insert(ptr) {
                    cat.observe_attrs(TagScope::Resource, &hs.origin.resource.attributes, cap);
                }
                cat.observe_span(&hs.origin.service, &hs.span, cap);
            }
        });
        *self.catalog.lock() = cat;
    }
}
