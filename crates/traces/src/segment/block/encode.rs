//! Writing one block from whole traces.

use crate::{FastMap, FastSet};

use model::trace::{AnyValue, KeyValue, Span, StatusCode, TraceId};

use super::*;
use crate::head::HeadSpan;
use crate::segment::format::{BlockEntry, put_blob};
use crate::summary::pick_root;
use crate::value::{T_DICT, put_value};
use codec::fields::Writer;

/// What the encoder needs from the segment builder.
pub(crate) struct Ctx<'a> {
    pub(crate) dict: &'a FastMap<String, u32>,
    /// Span attribute keys whose string values are dictionary-coded.
    pub(crate) dict_keys: &'a FastSet<String>,
}

impl Ctx<'_> {
    fn id(&self, s: &str) -> u64 {
        // Every string was registered in the first pass; 0 would be wrong but not unsafe.
        self.dict.get(s).copied().unwrap_or(0).into()
    }
}

/// One span attribute key's entries in the block.
#[derive(Default)]
struct KeyCol {
    n: u64,
    last_row: u32,
    rows: Writer,
    vals: Writer,
}

/// Accumulates the columns of one block.
#[derive(Default)]
pub(crate) struct BlockEncoder {
    cols: Vec<Writer>,
    attrs: FastMap<u32, KeyCol>,
    rows: u32,
    traces: u32,
    prev_trace_start: u64,
    min_start: u64,
    max_start: u64,
    min_dur: u64,
    max_dur: u64,
}

/// A trace ready to encode: spans sorted by start, with origin ids and services.
pub(crate) struct TraceIn<'a> {
    pub(crate) id: TraceId,
    pub(crate) spans: &'a [&'a HeadSpan],
    pub(crate) origin_ids: &'a [u32],
}

impl BlockEncoder {
    pub(crate) fn new() -> Self {
        BlockEncoder {
            cols: (0..N_COLS).map(|_| Writer::default()).collect(),
            min_dur: u64::MAX,
            ..BlockEncoder::default()
        }
    }

    pub(crate) fn rows(&self) -> u32 {
        self.rows
    }

    /// Adds a trace; `first_row` of it is `self.rows()` before the call.
    pub(crate) fn add(&mut self, t: &TraceIn<'_>, cx: &Ctx<'_>) {
        let spans = t.spans;
        let start = spans
            .iter()
            .map(|s| s.span.start_time_unix_nano)
            .min()
            .unwrap_or(0);
        let end = spans
            .iter()
            .map(|s| s.span.end_time_unix_nano)
            .max()
            .unwrap_or(0);
        if self.traces == 0 {
            self.min_start = start;
            self.prev_trace_start = start;
        }
        let (root, real) = pick_root(
            spans
                .iter()
                .map(|s| (s.span.parent_span_id.is_some(), s.span.start_time_unix_nano)),
        );
        let mut services: Vec<(u64, u64, u64)> = Vec::new();
        let mut errors = 0u64;
        for s in spans {
            let err = u64::from(s.span.status.code == StatusCode::Error);
            errors += err;
            let svc = cx.id(&s.origin.service);
            match services.iter_mut().find(|x| x.0 == svc) {
                Some(x) => {
                    x.1 += 1;
                    x.2 += err;
                }
                None => services.push((svc, 1, err)),
            }
        }
        self.cols[C_TRACE_IDS].raw(&t.id.0);
        let w = &mut self.cols[C_TRACES];
        w.uvarint(spans.len() as u64);
        w.uvarint(start - self.prev_trace_start);
        w.uvarint(end.saturating_sub(start));
        w.uvarint(((root as u64) << 1) | u64::from(real));
        let r = spans
            .get(root)
            .map(|s| (cx.id(&s.origin.service), cx.id(&s.span.name)));
        let (rs, rn) = r.unwrap_or((0, 0));
        w.uvarint(rs);
        w.uvarint(rn);
        w.uvarint(errors);
        w.uvarint(services.len() as u64);
        for (svc, n, e) in services {
            w.uvarint(svc);
            w.uvarint(n);
            w.uvarint(e);
        }
        self.prev_trace_start = start;
        // Small traces find parents by a scan; large ones through a map.
        let rows_in_trace: Option<FastMap<_, _>> = (spans.len() > 32).then(|| {
            spans
                .iter()
                .enumerate()
                .map(|(i, s)| (s.span.span_id, i as u64))
                .collect()
        });
        let row_of = |p: &model::trace::SpanId| match &rows_in_trace {
            Some(m) => m.get(p).copied(),
            None => spans
                .iter()
                .position(|s| s.span.span_id == *p)
                .map(|i| i as u64),
        };
        let mut prev_start = start;
        for (i, hs) in spans.iter().enumerate() {
            let parent = match hs.span.parent_span_id {
                None => PARENT_NONE,
                Some(p) => match row_of(&p) {
                    Some(row) => PARENT_ROW + row,
                    None => {
                        self.cols[C_ORPHANS].raw(&p.0);
                        PARENT_ORPHAN
                    }
                },
            };
            self.span(&hs.span, parent, prev_start, t.origin_ids[i], cx);
            prev_start = hs.span.start_time_unix_nano;
        }
        self.traces += 1;
    }

    fn span(&mut self, s: &Span, parent: u64, prev_start: u64, origin: u32, cx: &Ctx<'_>) {
        let row = self.rows;
        let st = s.start_time_unix_nano;
        let dur = s.end_time_unix_nano.wrapping_sub(st) as i64;
        self.max_start = self.max_start.max(st);
        let d = u64::try_from(dur).unwrap_or(0);
        self.min_dur = self.min_dur.min(d);
        self.max_dur = self.max_dur.max(d);
        self.cols[C_SPAN_IDS].raw(&s.span_id.0);
        self.cols[C_PARENTS].uvarint(parent);
        self.cols[C_NAMES].uvarint(cx.id(&s.name));
        let extras = !s.trace_state.is_empty()
            || s.flags != 0
            || s.dropped_attributes_count != 0
            || s.dropped_events_count != 0
            || s.dropped_links_count != 0;
        let bits = s.kind as u8 | (s.status.code as u8) << 3 | if extras { BIT_EXTRAS } else { 0 };
        self.cols[C_BITS].u8(bits);
        self.cols[C_STARTS].uvarint(st - prev_start);
        self.cols[C_DURATIONS].varint(dur);
        self.cols[C_ORIGINS].uvarint(origin.into());
        let msg = &s.status.message;
        let msg_id = if msg.is_empty() { 0 } else { cx.id(msg) + 1 };
        self.cols[C_STATUS_MSG].uvarint(msg_id);
        if extras {
            let w = &mut self.cols[C_EXTRAS];
            let ts = &s.trace_state;
            w.uvarint(if ts.is_empty() { 0 } else { cx.id(ts) + 1 });
            w.uvarint(s.flags.into());
            w.uvarint(s.dropped_attributes_count.into());
            w.uvarint(s.dropped_events_count.into());
            w.uvarint(s.dropped_links_count.into());
        }
        for kv in &s.attributes {
            let key = cx.id(&kv.key) as u32;
            let col = self.attrs.entry(key).or_default();
            col.rows.uvarint(u64::from(row - col.last_row));
            col.last_row = row;
            col.n += 1;
            match &kv.value {
                AnyValue::String(v) if cx.dict_keys.contains(&kv.key) => {
                    col.vals.u8(T_DICT);
                    col.vals.uvarint(cx.id(v));
                }
                v => put_value(&mut col.vals, v),
            }
        }
        let w = &mut self.cols[C_EVENTS];
        w.uvarint(s.events.len() as u64);
        for e in &s.events {
            w.varint(e.time_unix_nano.wrapping_sub(st) as i64);
            w.uvarint(cx.id(&e.name));
            put_keyed(w, &e.attributes, cx);
            w.uvarint(e.dropped_attributes_count.into());
        }
        let w = &mut self.cols[C_LINKS];
        w.uvarint(s.links.len() as u64);
        for l in &s.links {
            if l.trace_id == s.trace_id {
                w.u8(1);
            } else {
                w.u8(0);
                w.raw(&l.trace_id.0);
            }
            w.raw(&l.span_id.0);
            let ts = &l.trace_state;
            w.uvarint(if ts.is_empty() { 0 } else { cx.id(ts) + 1 });
            put_keyed(w, &l.attributes, cx);
            w.uvarint(l.dropped_attributes_count.into());
            w.uvarint(l.flags.into());
        }
        self.rows += 1;
    }

    /// Serialises the block; returns the payload and its directory entry (offset, crc and
    /// first row/trace are filled in by the caller).
    pub(crate) fn finish(mut self, level: i32) -> (Vec<u8>, BlockEntry) {
        let mut attrs = Writer::default();
        attrs.uvarint(self.attrs.len() as u64);
        let mut keys: Vec<(u32, KeyCol)> = std::mem::take(&mut self.attrs).into_iter().collect();
        keys.sort_unstable_by_key(|k| k.0);
        for (key, col) in keys {
            let mut body = Writer::with_capacity(col.rows.len() + col.vals.len() + 4);
            body.uvarint(col.n);
            body.raw(&col.rows.buf);
            body.raw(&col.vals.buf);
            attrs.uvarint(key.into());
            attrs.bytes(&body.buf);
        }
        self.cols[C_ATTRS] = attrs;
        let mut blobs = Vec::with_capacity(N_COLS);
        for (i, c) in self.cols.iter().enumerate() {
            let mut w = Writer::default();
            if matches!(i, C_TRACE_IDS | C_SPAN_IDS | C_ORPHANS) {
                // Random ids do not compress; do not spend time trying.
                w.u8(0);
                w.raw(&c.buf);
            } else {
                put_blob(&mut w, &c.buf, level);
            }
            blobs.push(w.buf);
        }
        let mut out = Writer::with_capacity(blobs.iter().map(Vec::len).sum::<usize>() + 64);
        out.u8(N_COLS as u8);
        for b in &blobs {
            out.uvarint(b.len() as u64);
        }
        for b in &blobs {
            out.raw(b);
        }
        let entry = BlockEntry {
            rows: self.rows,
            traces: self.traces,
            min_start: self.min_start,
            max_start: self.max_start,
            min_dur: if self.rows == 0 { 0 } else { self.min_dur },
            max_dur: self.max_dur,
            ..BlockEntry::default()
        };
        (out.buf, entry)
    }
}

/// Attributes with dictionary keys: count, then (uvarint key id, inline value) pairs.
fn put_keyed(w: &mut Writer, attrs: &[KeyValue], cx: &Ctx<'_>) {
    w.uvarint(attrs.len() as u64);
    for kv in attrs {
        w.uvarint(cx.id(&kv.key));
        put_value(w, &kv.value);
    }
}
