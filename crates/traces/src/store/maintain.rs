//! Maintenance: flushing head traces into segments, checkpointing the WAL after each flush,
//! and retention.

use crate::{FastMap, FastSet};
use std::collections::BTreeMap;
use std::sync::Arc;

use model::trace::{ResourceSpans, ScopeSpans, TraceBatch, TraceId};

use super::{Flushing, Inner};
use crate::error::{Result, io_err};
use crate::filenames;
use crate::head::Origin;
use crate::record;
use crate::retention::{PlanSegment, plan_retention};
use crate::segment::Segment;
use crate::segment::build::{BuildOptions, BuildTrace, write_segment};
use codec::fields::Writer;

/// Spans per checkpoint record, to keep records a reasonable size.
const CHECKPOINT_SPANS_PER_RECORD: usize = 4096;

impl Inner {
    pub(crate) fn maintain(&self) -> Result<()> {
        self.flush(false)?;
        self.apply_retention()
    }

    /// Flushes the traces the policy picks (every trace with `all`).
    pub(crate) fn flush(&self, all: bool) -> Result<()> {
        let _one = self.maintenance.lock();
        let Some(pick) = self.pick(all) else {
            return Ok(());
        };
        let (flushing, cut, lens) = {
            let _gate = self.head.gate.write();
            let taken = {
                let mut st = self.state.write();
                let taken: FastMap<TraceId, _> = self
                    .head
                    .take(|id, _| pick.contains(id))
                    .into_iter()
                    .collect();
                let taken: Flushing = Arc::new(taken);
                st.flushing.push(Arc::clone(&taken));
                taken
            };
            let cut = self.wal.cut_segment()?;
            (taken, cut, self.head.lengths())
        };
        let written = self.write_segments(&flushing);
        {
            let mut st = self.state.write();
            if let Ok(segs) = &written {
                st.segments.extend(segs.iter().cloned());
                st.segments.sort_by_key(|s| (s.meta.min_start, s.meta.seq));
            }
            st.flushing.retain(|f| !Arc::ptr_eq(f, &flushing));
        }
        if let Err(e) = written {
            // Put the traces back so they stay readable and are retried; the WAL still has them.
            self.head
                .restore(Arc::try_unwrap(flushing).unwrap_or_else(|a| (*a).clone()));
            return Err(e);
        }
        // The log before this cut still holds the spans of traces that stay in the head.
        // Checkpointing it now would rewrite all of them; instead the previous cut is
        // checkpointed, when only traces active across two flushes still need rewriting.
        // An explicit full flush leaves (almost) nothing, so it checkpoints at once; so does
        // the first flush after open, which shortens the WAL replayed after a crash.
        let due = {
            let mut last = self.last_cut.lock();
            if all || last.is_none() {
                last.take();
                Some((cut, lens))
            } else {
                last.replace((cut, lens)).map(|(c, mut l)| {
                    l.retain(|id, _| !flushing.contains_key(id));
                    (c, l)
                })
            }
        };
        if let Some((c, l)) = due {
            self.checkpoint_wal(c, &l)?;
        }
        // The head catalog may list what was just flushed (harmless: segments list it too);
        // it is rebuilt now and then so it does not grow without bound.
        let n = self
            .flushes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if self.head.span_count() == 0 || n % 8 == 7 {
            self.head.rebuild_catalog();
        }
        Ok(())
    }

    /// The traces to flush, or `None` when the policy says to wait.
    fn pick(&self, all: bool) -> Option<FastSet<TraceId>> {
        let ages = self.head.trace_ages();
        if ages.is_empty() {
            return None;
        }
        if all {
            return Some(ages.into_iter().map(|a| a.0).collect());
        }
        let now = self.head.now_ms();
        let ms = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let over = self.head.bytes() > self.opts.head_max_bytes;
        let oldest = ages.iter().map(|a| a.1).min().unwrap_or(now);
        if !over && now.saturating_sub(oldest) < ms(self.opts.head_max_age) {
            return None;
        }
        let idle = ms(self.opts.trace_idle);
        let mut picked: FastSet<TraceId> = ages
            .iter()
            .filter(|a| now.saturating_sub(a.2) >= idle)
            .map(|a| a.0)
            .collect();
        if over {
            // Idle traces may not free enough: take the oldest until under half the budget.
            let mut left: usize = ages
                .iter()
                .filter(|a| !picked.contains(&a.0))
                .map(|a| a.3)
                .sum();
            let mut rest: Vec<_> = ages.iter().filter(|a| !picked.contains(&a.0)).collect();
            rest.sort_by_key(|a| a.1);
            for a in rest {
                if left <= self.opts.head_max_bytes / 2 {
                    break;
                }
                left -= a.3;
                picked.insert(a.0);
            }
        }
        (!picked.is_empty()).then_some(picked)
    }

    fn write_segments(&self, traces: &Flushing) -> Result<Vec<Arc<Segment>>> {
        let window = self.opts.window_ns();
        let mut by_window: BTreeMap<u64, Vec<BuildTrace<'_>>> = BTreeMap::new();
        for (id, t) in traces.iter() {
            let bt = BuildTrace::new(*id, &t.spans);
            let w = bt.start / window * window;
            by_window.entry(w).or_default().push(bt);
        }
        let dir = self.segments_dir();
        let o = BuildOptions {
            block_spans: self.opts.block_spans,
            index_max_values: self.opts.index_max_values,
            tag_values_cap: self.opts.tag_values_cap,
            zstd_level: self.opts.zstd_level,
        };
        let mut out: Vec<Arc<Segment>> = Vec::new();
        for (w, group) in by_window {
            let seq = self.next_seq();
            let path = dir.join(filenames::segment(w / 1_000_000, seq));
            let spans: usize = group.iter().map(|t| t.spans.len()).sum();
            let written = write_segment(&path, group, w, seq, o).and_then(|size| {
                tracing::info!(segment = %path.display(), spans, bytes = size, "flushed traces");
                Segment::open(&path)
            });
            match written {
                Ok(seg) => out.push(Arc::new(seg)),
                Err(e) => {
                    // The traces go back to the head and will be written again: remove this
                    // flush's files so they are not loaded twice at the next open.
                    for p in out.iter().map(|s| s.path.clone()).chain([path]) {
                        let _ = std::fs::remove_file(&p);
                    }
                    return Err(e);
                }
            }
        }
        Ok(out)
    }

    /// Replaces the WAL before segment `cut` with a checkpoint of the spans the head held
    /// at the cut (`lens`: span count per trace then).
    fn checkpoint_wal(&self, cut: u64, lens: &FastMap<TraceId, usize>) -> Result<()> {
        let Some(through) = cut.checked_sub(1) else {
            return Ok(());
        };
        let mut records: Vec<Vec<u8>> = Vec::new();
        fn emit(records: &mut Vec<Vec<u8>>, groups: &mut Vec<(&Origin, Vec<&model::trace::Span>)>) {
            if !groups.is_empty() {
                let mut w = Writer::default();
                record::encode_origins(groups, &mut w);
                records.push(w.buf);
                groups.clear();
            }
        }
        // Shard read locks are taken one at a time, so spans are encoded shard by shard.
        self.head.for_each_shard(|shard| {
            let mut groups: Vec<(&Origin, Vec<&model::trace::Span>)> = Vec::new();
            let mut by_ptr: FastMap<*const Origin, usize> = FastMap::default();
            let mut pending = 0usize;
            for (id, t) in shard.iter() {
                let n = lens.get(id).copied().unwrap_or(0).min(t.spans.len());
                for hs in &t.spans[..n] {
                    let i = *by_ptr.entry(Arc::as_ptr(&hs.origin)).or_insert_with(|| {
                        groups.push((&hs.origin, Vec::new()));
                        groups.len() - 1
                    });
                    groups[i].1.push(&hs.span);
                    pending += 1;
                }
                if pending >= CHECKPOINT_SPANS_PER_RECORD {
                    emit(&mut records, &mut groups);
                    by_ptr.clear();
                    pending = 0;
                }
            }
            emit(&mut records, &mut groups);
        });
        self.wal
            .checkpoint(through, records.iter().map(Vec::as_slice))?;
        Ok(())
    }

    fn apply_retention(&self) -> Result<()> {
        let _one = self.maintenance.lock();
        let plan: Vec<PlanSegment> = {
            let st = self.state.read();
            st.segments
                .iter()
                .map(|s| PlanSegment {
                    name: s.path.display().to_string(),
                    min_start: s.meta.min_start,
                    max_end: s.meta.max_end,
                    size: s.size,
                })
                .collect()
        };
        let mut newest = plan.iter().map(|s| s.max_end).max().unwrap_or(0);
        self.head.for_each(|_, t| newest = newest.max(t.max_end));
        let retention = self
            .opts
            .retention_time
            .map(|r| u64::try_from(r.as_nanos()).unwrap_or(u64::MAX));
        let doomed = plan_retention(
            &plan,
            newest,
            retention,
            self.opts.retention_size,
            self.wal.disk_bytes(),
        );
        if doomed.is_empty() {
            return Ok(());
        }
        let doomed: FastSet<String> = doomed.into_iter().collect();
        let removed: Vec<Arc<Segment>> = {
            let mut st = self.state.write();
            let (gone, kept) = std::mem::take(&mut st.segments)
                .into_iter()
                .partition(|s| doomed.contains(&s.path.display().to_string()));
            st.segments = kept;
            gone
        };
        for s in removed {
            // Readers holding the segment keep their mapping; unlinking is safe.
            std::fs::remove_file(&s.path).map_err(io_err("remove", &s.path))?;
            tracing::info!(segment = %s.path.display(), spans = s.meta.spans, "retention removed segment");
        }
        Ok(())
    }
}

/// Groups spans under their origins as a batch; with `merge_equal`, origins that are equal
/// but not shared (the same resource found in several segments) become one group.
pub(crate) fn group<'a>(
    spans: impl IntoIterator<Item = (&'a Arc<Origin>, model::trace::Span)>,
    merge_equal: bool,
) -> TraceBatch {
    let mut groups: Vec<(Arc<Origin>, Vec<model::trace::Span>)> = Vec::new();
    let mut by_ptr: FastMap<*const Origin, usize> = FastMap::default();
    for (o, span) in spans {
        let i = *by_ptr.entry(Arc::as_ptr(o)).or_insert_with(|| {
            groups.push((Arc::clone(o), Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(span);
    }
    if merge_equal {
        let mut merged: Vec<(Arc<Origin>, Vec<model::trace::Span>)> = Vec::new();
        for (o, spans) in groups {
            match merged.iter_mut().find(|(m, _)| **m == *o) {
                Some((_, v)) => v.extend(spans),
                None => merged.push((o, spans)),
            }
        }
        groups = merged;
    }
    let mut batch = TraceBatch::default();
    for (o, spans) in groups {
        let scope = ScopeSpans {
            scope: o.scope.clone(),
            schema_url: o.scope_schema.clone(),
            spans,
        };
        let same = |r: &&mut ResourceSpans| {
            merge_equal && r.resource == o.resource && r.schema_url == o.resource_schema
        };
        match batch.resource_spans.iter_mut().find(same) {
            Some(r) => r.scope_spans.push(scope),
            None => batch.resource_spans.push(ResourceSpans {
                resource: o.resource.clone(),
                schema_url: o.resource_schema.clone(),
                scope_spans: vec![scope],
            }),
        }
    }
    batch
}
