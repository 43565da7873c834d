//! Reading a block: columns are decompressed and parsed on first use.

use std::borrow::Cow;
use std::cell::OnceCell;

use model::trace::{Event, Link, SpanId, SpanKind, StatusCode, TraceId};

pub(crate) use super::values::{CVal, dict_str, to_any};
use super::values::{cval, get_keyed, skip_keyed, span_id};
use super::*;
use crate::segment::dict::Dict;
use crate::segment::format::{BlockEntry, get_blob};
use codec::fields::Reader;

/// A decoding failure: offset within the column (or payload) and what is wrong.
pub(crate) type Bad = (usize, &'static str);

/// One trace's row in the block's trace column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TraceRow {
    pub(crate) id: TraceId,
    /// First row within the block.
    pub(crate) first: u32,
    pub(crate) count: u32,
    pub(crate) start: u64,
    pub(crate) duration: u64,
    pub(crate) root_row: u32,
    pub(crate) root_real: bool,
    pub(crate) root_service: u32,
    pub(crate) root_name: u32,
    pub(crate) errors: u32,
    /// (service id, spans, errors).
    pub(crate) services: Vec<(u32, u32, u32)>,
}

/// The fixed-width span columns, parsed.
#[derive(Debug, Default)]
pub(crate) struct Core {
    pub(crate) span_ids: Vec<SpanId>,
    /// Parent span id (resolved from the row or orphans column).
    pub(crate) parents: Vec<Option<SpanId>>,
    pub(crate) names: Vec<u32>,
    pub(crate) kinds: Vec<SpanKind>,
    pub(crate) status: Vec<StatusCode>,
    pub(crate) starts: Vec<u64>,
    pub(crate) durations: Vec<i64>,
    pub(crate) origins: Vec<u32>,
    /// Status message dictionary id + 1, 0 for none.
    pub(crate) status_msg: Vec<u32>,
    /// (trace state id + 1, flags, dropped attributes, events, links) per row with extras.
    pub(crate) extras: Vec<Option<[u32; 5]>>,
    /// Index of each row's trace in [`BlockData::traces`].
    pub(crate) trace_of: Vec<u32>,
}

/// One span attribute key's column.
#[derive(Debug)]
pub(crate) struct KeyCol {
    pub(crate) key: u32,
    pub(crate) rows: Vec<u32>,
    pub(crate) vals: Vec<CVal>,
}

/// A block being read.
#[derive(Debug)]
pub(crate) struct BlockData<'a> {
    pub(crate) entry: BlockEntry,
    cols: [&'a [u8]; N_COLS],
    raw: [OnceCell<Cow<'a, [u8]>>; N_COLS],
    traces: OnceCell<Vec<TraceRow>>,
    core: OnceCell<Core>,
    attrs: OnceCell<Vec<KeyCol>>,
    events_at: OnceCell<Vec<u32>>,
    links_at: OnceCell<Vec<u32>>,
}

fn bad(detail: &'static str) -> impl Fn(usize) -> Bad {
    move |o| (o, detail)
}

impl<'a> BlockData<'a> {
    /// Splits a payload (checksum already verified) into its columns.
    pub(crate) fn new(payload: &'a [u8], entry: BlockEntry) -> Result<Self, Bad> {
        let mut r = Reader::new(payload);
        let n = r.u8().map_err(bad("empty block"))? as usize;
        if n != N_COLS {
            return Err((0, "unexpected column count"));
        }
        let mut lens = [0usize; N_COLS];
        for l in &mut lens {
            *l = r.count().map_err(bad("bad column length"))?;
        }
        let mut cols: [&[u8]; N_COLS] = [&[]; N_COLS];
        for (c, l) in cols.iter_mut().zip(lens) {
            *c = r.take(l).map_err(bad("column past block end"))?;
        }
        if !r.is_empty() {
            return Err((r.pos(), "trailing bytes in block"));
        }
        Ok(BlockData {
            entry,
            cols,
            raw: Default::default(),
            traces: OnceCell::new(),
            core: OnceCell::new(),
            attrs: OnceCell::new(),
            events_at: OnceCell::new(),
            links_at: OnceCell::new(),
        })
    }

    fn col(&self, c: usize) -> Result<&[u8], Bad> {
        if let Some(v) = self.raw[c].get() {
            return Ok(v);
        }
        let v = get_blob(self.cols[c])?;
        Ok(self.raw[c].get_or_init(|| v))
    }

    pub(crate) fn traces(&self) -> Result<&[TraceRow], Bad> {
        if let Some(v) = self.traces.get() {
            return Ok(v);
        }
        let v = self.parse_traces()?;
        Ok(self.traces.get_or_init(|| v))
    }

    fn parse_traces(&self) -> Result<Vec<TraceRow>, Bad> {
        let ids = self.col(C_TRACE_IDS)?;
        let n = self.entry.traces as usize;
        if ids.len() != n * 16 {
            return Err((0, "trace id column length"));
        }
        let mut r = Reader::new(self.col(C_TRACES)?);
        let e = bad("bad trace row");
        let mut out = Vec::with_capacity(n);
        let (mut first, mut start) = (0u32, self.entry.min_start);
        for i in 0..n {
            let count = r.u32v().map_err(&e)?;
            start = start
                .checked_add(r.uvarint().map_err(&e)?)
                .ok_or((r.pos(), "start overflow"))?;
            let duration = r.uvarint().map_err(&e)?;
            let root = r.uvarint().map_err(&e)?;
            let root_row = u32::try_from(root >> 1).map_err(|_| (r.pos(), "root row"))?;
            let (root_service, root_name) = (r.u32v().map_err(&e)?, r.u32v().map_err(&e)?);
            let errors = r.u32v().map_err(&e)?;
            let ns = r.count().map_err(&e)?;
            let mut services = Vec::with_capacity(ns);
            for _ in 0..ns {
                services.push((
                    r.u32v().map_err(&e)?,
                    r.u32v().map_err(&e)?,
                    r.u32v().map_err(&e)?,
                ));
            }
            if count == 0 || root_row >= count {
                return Err((r.pos(), "trace row counts"));
            }
            let mut id = [0u8; 16];
            id.copy_from_slice(&ids[i * 16..i * 16 + 16]);
            out.push(TraceRow {
                id: TraceId(id),
                first,
                count,
                start,
                duration,
                root_row,
                root_real: root & 1 == 1,
                root_service,
                root_name,
                errors,
                services,
            });
            first = first.checked_add(count).ok_or((r.pos(), "row overflow"))?;
        }
        if first != self.entry.rows || !r.is_empty() {
            return Err((r.pos(), "trace rows do not add up to the block"));
        }
        Ok(out)
    }

    pub(crate) fn core(&self) -> Result<&Core, Bad> {
        if let Some(v) = self.core.get() {
            return Ok(v);
        }
        let v = self.parse_core()?;
        Ok(self.core.get_or_init(|| v))
    }

    fn parse_core(&self) -> Result<Core, Bad> {
        let n = self.entry.rows as usize;
        let traces = self.traces()?;
        let ids = self.col(C_SPAN_IDS)?;
        if ids.len() != n * 8 {
            return Err((0, "span id column length"));
        }
        let mut c = Core {
            span_ids: ids.chunks_exact(8).map(span_id).collect(),
            ..Core::default()
        };
        let orphans = self.col(C_ORPHANS)?;
        let mut orphans = orphans.chunks_exact(8).map(span_id);
        let mut parents = Reader::new(self.col(C_PARENTS)?);
        let mut names = Reader::new(self.col(C_NAMES)?);
        let bits = self.col(C_BITS)?;
        let mut starts = Reader::new(self.col(C_STARTS)?);
        let mut durs = Reader::new(self.col(C_DURATIONS)?);
        let mut origins = Reader::new(self.col(C_ORIGINS)?);
        let mut msgs = Reader::new(self.col(C_STATUS_MSG)?);
        let mut extras = Reader::new(self.col(C_EXTRAS)?);
        if bits.len() != n {
            return Err((0, "bits column length"));
        }
        for (ti, t) in traces.iter().enumerate() {
            let mut prev = t.start;
            let base = t.first as usize;
            for _ in 0..t.count {
                let code = parents.uvarint().map_err(bad("parents"))?;
                let parent = match code {
                    PARENT_NONE => None,
                    PARENT_ORPHAN => Some(orphans.next().ok_or((0, "orphans exhausted"))?),
                    k => {
                        let row = usize::try_from(k - PARENT_ROW).unwrap_or(usize::MAX);
                        if row >= t.count as usize {
                            return Err((parents.pos(), "parent row outside trace"));
                        }
                        Some(c.span_ids[base + row])
                    }
                };
                c.parents.push(parent);
                c.names.push(names.u32v().map_err(bad("names"))?);
                let b = bits[c.kinds.len()];
                c.kinds
                    .push(SpanKind::from_u8(b & 7).ok_or((0, "bad kind"))?);
                c.status
                    .push(StatusCode::from_u8((b >> 3) & 3).ok_or((0, "bad status"))?);
                prev = prev
                    .checked_add(starts.uvarint().map_err(bad("starts"))?)
                    .ok_or((0, "start overflow"))?;
                c.starts.push(prev);
                c.durations.push(durs.varint().map_err(bad("durations"))?);
                c.origins.push(origins.u32v().map_err(bad("origins"))?);
                c.status_msg
                    .push(msgs.u32v().map_err(bad("status messages"))?);
                c.extras.push(if b & BIT_EXTRAS != 0 {
                    let mut x = [0u32; 5];
                    for v in &mut x {
                        *v = extras.u32v().map_err(bad("extras"))?;
                    }
                    Some(x)
                } else {
                    None
                });
                c.trace_of.push(ti as u32);
            }
        }
        if !(parents.is_empty() && names.is_empty() && starts.is_empty() && durs.is_empty())
            || !(origins.is_empty() && msgs.is_empty() && extras.is_empty())
            || orphans.next().is_some()
        {
            return Err((0, "trailing bytes in span columns"));
        }
        Ok(c)
    }

    /// The span attribute columns (values refer to [`BlockData::attr_buf`]).
    pub(crate) fn attrs(&self) -> Result<&[KeyCol], Bad> {
        if let Some(v) = self.attrs.get() {
            return Ok(v);
        }
        let v = self.parse_attrs()?;
        Ok(self.attrs.get_or_init(|| v))
    }

    pub(crate) fn attr_buf(&self) -> Result<&[u8], Bad> {
        self.col(C_ATTRS)
    }

    fn parse_attrs(&self) -> Result<Vec<KeyCol>, Bad> {
        let buf = self.col(C_ATTRS)?;
        let e = bad("attribute column");
        let mut r = Reader::new(buf);
        let n = r.count().map_err(&e)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let key = r.u32v().map_err(&e)?;
            let body_len = r.count().map_err(&e)?;
            let body_start = r.pos();
            r.take(body_len).map_err(&e)?;
            let mut b = Reader::new(&buf[..body_start + body_len]);
            b.take(body_start).map_err(&e)?;
            let count = b.count().map_err(&e)?;
            let mut rows = Vec::with_capacity(count);
            let mut row = 0u32;
            for _ in 0..count {
                row = row
                    .checked_add(b.u32v().map_err(&e)?)
                    .ok_or((b.pos(), "row overflow"))?;
                if row >= self.entry.rows {
                    return Err((b.pos(), "attribute row outside block"));
                }
                rows.push(row);
            }
            let mut vals = Vec::with_capacity(count);
            for _ in 0..count {
                vals.push(cval(&mut b)?);
            }
            if !b.is_empty() {
                return Err((b.pos(), "trailing bytes in attribute key"));
            }
            out.push(KeyCol { key, rows, vals });
        }
        Ok(out)
    }

    fn offsets(&self, c: usize) -> Result<Vec<u32>, Bad> {
        let buf = self.col(c)?;
        let mut r = Reader::new(buf);
        let e = bad("events or links");
        let mut at = Vec::with_capacity(self.entry.rows as usize);
        for _ in 0..self.entry.rows {
            at.push(r.pos() as u32);
            let n = r.count().map_err(&e)?;
            for _ in 0..n {
                if c == C_EVENTS {
                    r.varint().map_err(&e)?;
                    r.uvarint().map_err(&e)?;
                    skip_keyed(&mut r)?;
                    r.uvarint().map_err(&e)?;
                } else {
                    if r.u8().map_err(&e)? == 0 {
                        r.take(16).map_err(&e)?;
                    }
                    r.take(8).map_err(&e)?;
                    r.uvarint().map_err(&e)?;
                    skip_keyed(&mut r)?;
                    r.uvarint().map_err(&e)?;
                    r.uvarint().map_err(&e)?;
                }
            }
        }
        if !r.is_empty() {
            return Err((r.pos(), "trailing bytes in events or links"));
        }
        Ok(at)
    }

    /// Events of block row `row`, whose span starts at `start`.
    pub(crate) fn events(&self, row: usize, start: u64, dict: &Dict) -> Result<Vec<Event>, Bad> {
        if self.events_at.get().is_none() {
            let v = self.offsets(C_EVENTS)?;
            let _ = self.events_at.set(v);
        }
        let at = self
            .events_at
            .get()
            .and_then(|v| v.get(row))
            .ok_or((0, "row"))?;
        let buf = self.col(C_EVENTS)?;
        let mut r = Reader::new(buf);
        r.take(*at as usize).map_err(bad("events"))?;
        let e = bad("events");
        let n = r.count().map_err(&e)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let t = start.wrapping_add(r.varint().map_err(&e)? as u64);
            let name = dict_str(dict, r.u32v().map_err(&e)?)?;
            let attributes = get_keyed(&mut r, dict)?;
            out.push(Event {
                time_unix_nano: t,
                name,
                attributes,
                dropped_attributes_count: r.u32v().map_err(&e)?,
            });
        }
        Ok(out)
    }

    /// Links of block row `row` in trace `trace`.
    pub(crate) fn links(&self, row: usize, trace: TraceId, dict: &Dict) -> Result<Vec<Link>, Bad> {
        if self.links_at.get().is_none() {
            let v = self.offsets(C_LINKS)?;
            let _ = self.links_at.set(v);
        }
        let at = self
            .links_at
            .get()
            .and_then(|v| v.get(row))
            .ok_or((0, "row"))?;
        let buf = self.col(C_LINKS)?;
        let mut r = Reader::new(buf);
        let e = bad("links");
        r.take(*at as usize).map_err(&e)?;
        let n = r.count().map_err(&e)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let trace_id = if r.u8().map_err(&e)? == 1 {
                trace
            } else {
                TraceId(r.array().map_err(&e)?)
            };
            let span_id = SpanId(r.array().map_err(&e)?);
            let ts = r.u32v().map_err(&e)?;
            let trace_state = if ts == 0 {
                String::new()
            } else {
                dict_str(dict, ts - 1)?
            };
            let attributes = get_keyed(&mut r, dict)?;
            out.push(Link {
                trace_id,
                span_id,
                trace_state,
                attributes,
                dropped_attributes_count: r.u32v().map_err(&e)?,
                flags: r.u32v().map_err(&e)?,
            });
        }
        Ok(out)
    }
}
