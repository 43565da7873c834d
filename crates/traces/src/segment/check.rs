//! Whole-file verification of a segment, for tools and fuzzing.

use std::path::Path;

use super::Segment;
use super::read::SearchBounds;
use crate::error::Result;
use crate::query::SpanFilter;

/// What [`check_segment`] found in a segment file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SegmentInfo {
    /// Spans stored.
    pub spans: u64,
    /// Traces stored.
    pub traces: u64,
    /// Blocks.
    pub blocks: usize,
    /// File size.
    pub bytes: u64,
}

/// Opens a segment file and reads all of it (every trace, a search over every row), so any
/// damage is reported as an error: for `otelstore check`-style tools and fuzzing.
pub fn check_segment(path: &Path) -> Result<SegmentInfo> {
    let seg = Segment::open(path)?;
    let mut traces = 0u64;
    for bi in 0..seg.blocks.len() {
        let b = seg.block(bi)?;
        let rows = b.traces().map_err(|e| seg.corrupt(bi, e))?.to_vec();
        for t in rows {
            if seg.trace(&t.id)?.is_some() {
                traces += 1;
            }
        }
    }
    let all = SearchBounds {
        start: 0,
        end: u64::MAX,
        limit: usize::MAX,
        spss: 1,
        floor: None,
    };
    seg.search(&SpanFilter::All, all)?;
    Ok(SegmentInfo {
        spans: seg.meta.spans,
        traces,
        blocks: seg.blocks.len(),
        bytes: seg.size,
    })
}
