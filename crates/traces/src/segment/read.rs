//! Reads of one segment: a trace by id, a trace's summary, and search.

use std::sync::Arc;

use model::trace::{Span, Status, TraceId};

use self::view::{RowView, duration_bounds};
use super::Segment;
use super::block::decode::{BlockData, Core, TraceRow, dict_str, to_any};
use super::index::plan;
use crate::error::Result;
use crate::head::Origin;
use crate::query::eval::matches;
use crate::query::{MatchedSpan, ServiceStats, SpanFilter, TraceSummary};
use crate::summary::PartSummary;

mod view;

/// A span read back with its origin.
pub(crate) type StoredSpan = (Arc<Origin>, Span);

/// Limits of a segment search.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SearchBounds {
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) limit: usize,
    pub(crate) spss: usize,
    /// Traces starting before this cannot make the result any more.
    pub(crate) floor: Option<u64>,
}

impl Segment {
    /// The spans of trace `id` held here.
    pub(crate) fn trace(&self, id: &TraceId) -> Result<Option<Vec<StoredSpan>>> {
        let Some(ord) = self.find(id) else {
            return Ok(None);
        };
        let bi = self.block_of_trace(ord);
        let b = self.block(bi)?;
        let t = self.trace_row(&b, bi, ord)?;
        if t.id != *id {
            return Err(self.corrupt(bi, (0, "trace id index disagrees with the block")));
        }
        let core = b.core().map_err(|e| self.corrupt(bi, e))?;
        let mut out = Vec::with_capacity(t.count as usize);
        for row in t.first..t.first + t.count {
            out.push(
                self.materialize(&b, core, row as usize, t.id)
                    .map_err(|e| self.corrupt(bi, e))?,
            );
        }
        Ok(Some(out))
    }

    fn trace_row<'b>(&self, b: &'b BlockData<'_>, bi: usize, ord: u32) -> Result<&'b TraceRow> {
        let traces = b.traces().map_err(|e| self.corrupt(bi, e))?;
        let i = ord.checked_sub(b.entry.first_trace).map(|i| i as usize);
        i.and_then(|i| traces.get(i))
            .ok_or_else(|| self.corrupt(bi, (0, "trace ordinal outside its block")))
    }

    /// The summary of trace `id`'s part held here.
    pub(crate) fn summary(&self, id: &TraceId) -> Result<Option<PartSummary>> {
        let Some(ord) = self.find(id) else {
            return Ok(None);
        };
        let bi = self.block_of_trace(ord);
        let b = self.block(bi)?;
        let t = self.trace_row(&b, bi, ord)?;
        let core = b.core().map_err(|e| self.corrupt(bi, e))?;
        Ok(Some(self.part_summary(t, core)))
    }

    fn part_summary(&self, t: &TraceRow, core: &Core) -> PartSummary {
        let name = |id: u32| self.dict.get(id).unwrap_or_default().to_owned();
        let mut services: Vec<ServiceStats> = t
            .services
            .iter()
            .map(|(s, n, e)| ServiceStats {
                service: name(*s),
                span_count: *n,
                error_count: *e,
            })
            .collect();
        services.sort_by(|a, b| a.service.cmp(&b.service));
        let root_start = core
            .starts
            .get((t.first + t.root_row) as usize)
            .copied()
            .unwrap_or(t.start);
        PartSummary {
            summary: TraceSummary {
                trace_id: t.id,
                root_service: name(t.root_service),
                root_name: name(t.root_name),
                start_unix_nano: t.start,
                duration_nanos: t.duration,
                span_count: t.count,
                error_count: t.errors,
                services,
                matched: Vec::new(),
            },
            root_real: t.root_real,
            root_start,
            end: t.start.saturating_add(t.duration),
        }
    }

    fn materialize(
        &self,
        b: &BlockData<'_>,
        core: &Core,
        row: usize,
        trace_id: TraceId,
    ) -> Result<StoredSpan, (usize, &'static str)> {
        let origin = self
            .origins
            .get(core.origins[row] as usize)
            .ok_or((0, "origin id out of range"))?;
        let start = core.starts[row];
        let [ts, flags, da, de, dl] = core.extras[row].unwrap_or_default();
        let mut attributes = Vec::new();
        let buf = b.attr_buf()?;
        for col in b.attrs()? {
            let i = col.rows.partition_point(|r| (*r as usize) < row);
            for j in i..col.rows.len() {
                if col.rows[j] as usize != row {
                    break;
                }
                attributes.push(model::trace::KeyValue {
                    key: dict_str(&self.dict, col.key)?,
                    value: to_any(col.vals[j], buf, &self.dict)?,
                });
            }
        }
        let msg = core.status_msg[row];
        let span = Span {
            trace_id,
            span_id: core.span_ids[row],
            parent_span_id: core.parents[row],
            trace_state: if ts == 0 {
                String::new()
            } else {
                dict_str(&self.dict, ts - 1)?
            },
            flags,
            name: dict_str(&self.dict, core.names[row])?,
            kind: core.kinds[row],
            start_time_unix_nano: start,
            end_time_unix_nano: start.wrapping_add(core.durations[row] as u64),
            attributes,
            dropped_attributes_count: da,
            events: b.events(row, start, &self.dict)?,
            dropped_events_count: de,
            links: b.links(row, trace_id, &self.dict)?,
            dropped_links_count: dl,
            status: Status {
                code: core.status[row],
                message: if msg == 0 {
                    String::new()
                } else {
                    dict_str(&self.dict, msg - 1)?
                },
            },
        };
        Ok((Arc::clone(origin), span))
    }

    /// Traces with a span matching `filter` in the window, newest first, at most `limit`.
    pub(crate) fn search(
        &self,
        filter: &SpanFilter,
        bounds: SearchBounds,
    ) -> Result<Vec<PartSummary>> {
        let mut hits: Vec<PartSummary> = Vec::new();
        if !self.overlaps(bounds.start, bounds.end) || bounds.limit == 0 || self.blocks.is_empty() {
            return Ok(hits);
        }
        let p = plan(filter, &self.index, self.meta.spans as u32, &|o, l| {
            self.posting(o, l)
        });
        let (dmin, dmax) = duration_bounds(filter);
        let needs_attrs = !p.exact;
        let mut rows: Box<dyn Iterator<Item = u32>> = match &p.rows {
            Some(bm) => Box::new(bm.iter().rev()),
            None => Box::new((0..self.meta.spans as u32).rev()),
        };
        let mut cur: Option<(usize, BlockData<'_>)> = None;
        let mut last_trace: Option<u32> = None;
        while let Some(row) = rows.next() {
            let bi = self.block_of_row(row);
            let e = self.blocks[bi];
            if row < e.first_row || row - e.first_row >= e.rows {
                return Err(self.corrupt(bi, (0, "posting row outside the segment")));
            }
            let skip = e.max_start < bounds.start
                || e.min_start > bounds.end
                || e.max_dur < dmin
                || e.min_dur > dmax;
            if skip {
                // Jump to the previous block.
                if e.first_row == 0 {
                    break;
                }
                if let Some(bm) = &p.rows {
                    let mut it = bm.iter();
                    it.advance_back_to(e.first_row - 1);
                    rows = Box::new(it.rev());
                } else {
                    rows = Box::new((0..e.first_row).rev());
                }
                continue;
            }
            if cur.as_ref().is_none_or(|(i, _)| *i != bi) {
                cur = Some((bi, self.block(bi)?));
            }
            let Some((_, b)) = cur.as_ref() else { continue };
            let traces = b.traces().map_err(|x| self.corrupt(bi, x))?;
            let local = (row - e.first_row) as usize;
            let ti = traces
                .partition_point(|t| (t.first as usize) <= local)
                .saturating_sub(1);
            let t = &traces[ti];
            let ord = e.first_trace + ti as u32;
            let same = last_trace == Some(ord);
            if !same {
                if hits.len() >= bounds.limit {
                    break;
                }
                if bounds.floor.is_some_and(|f| t.start < f) {
                    break;
                }
            } else if hits
                .last()
                .is_some_and(|h| h.summary.matched.len() >= bounds.spss.max(1))
            {
                continue;
            }
            let core = b.core().map_err(|x| self.corrupt(bi, x))?;
            let st = core.starts[local];
            if st < bounds.start || st > bounds.end {
                continue;
            }
            if needs_attrs {
                b.attrs().map_err(|x| self.corrupt(bi, x))?;
                let view = RowView {
                    seg: self,
                    b,
                    core,
                    row: local,
                    trace: t,
                };
                if !matches(filter, &view) {
                    continue;
                }
            }
            let origin = self.origins.get(core.origins[local] as usize);
            let m = MatchedSpan {
                span_id: core.span_ids[local],
                name: self
                    .dict
                    .get(core.names[local])
                    .unwrap_or_default()
                    .to_owned(),
                service: origin.map(|o| o.service.clone()).unwrap_or_default(),
                start_unix_nano: st,
                duration_nanos: u64::try_from(core.durations[local]).unwrap_or(0),
            };
            if same {
                if let Some(h) = hits.last_mut() {
                    h.summary.matched.push(m);
                }
            } else {
                let mut part = self.part_summary(t, core);
                part.summary.matched.push(m);
                hits.push(part);
                last_trace = Some(ord);
            }
        }
        Ok(hits)
    }
}
