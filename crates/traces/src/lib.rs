//! The otelstore trace store: every span of every trace kept for the retention period,
//! found by id in milliseconds, searchable by service, operation, attributes and duration.
//!
//! ```text
//! append ─► WAL (fsync per policy) ─► head (in memory: traces by id, catalogs)
//!              traces idle / head over budget or age ─► segment per time window
//!                 (immutable, mmapped: columnar zstd span blocks, dictionary, per-trace
//!                  summaries, trace-id filter + sorted ids, roaring-bitmap inverted index,
//!                  catalog) ─► retention drops whole segments by age and total size
//! read ─► head + segments: trace by id (merged, deduplicated), search (newest first, early
//!         stop), services, operations, dependencies, tag names and values
//! ```
//!
//! - [`Store::append`] takes a [`TraceBatch`](model::trace::TraceBatch) (spans grouped under
//!   their resource and scope) and acknowledges it once it is in the WAL.
//! - [`Store::trace`] returns every stored span of a trace, from the head and all segments.
//! - [`Store::search`] takes a [`SearchRequest`]: Jaeger parameters and a [`SpanFilter`]
//!   tree (the TraceQL subset: `&&`, `||`, scoped/unscoped attributes, intrinsics, all
//!   comparison operators and anchored regexes), all evaluated on one span;
//!   [`traceql::parse`] compiles the TraceQL subset into one.
//! - [`Store::services`], [`Store::operations`], [`Store::dependencies`],
//!   [`Store::tag_names`] and [`Store::tag_values`] are served from catalogs.
//!
//! File layouts: `docs/format/spans.md`.

mod catalog;
mod error;
mod filenames;
mod head;
mod options;
pub mod query;
mod record;
mod retention;
mod segment;
mod store;
mod summary;
pub mod traceql;
mod value;

pub use error::{Error, Result};

/// Hash maps keyed by strings and ids on hot paths: ahash instead of SipHash (keys come
/// from our own data structures or are already random ids; flooding is not a concern the
/// store can address at this level).
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;
/// See [`FastMap`].
pub(crate) type FastSet<K> = std::collections::HashSet<K, ahash::RandomState>;
pub use options::Options;
pub use query::{
    AttrScope, Condition, Dependency, Field, Intrinsic, Literal, MatchedSpan, Op, Operation,
    SearchRequest, ServiceStats, SpanFilter, TagScope, TagValue, Trace, TraceSummary,
};
pub use segment::check::{SegmentInfo, check_segment};
pub use store::{Stats, Store};
pub use wal::{Options as WalOptions, SyncPolicy};

/// What became of the spans of an append batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppendOutcome {
    /// Stored.
    pub accepted: u64,
    /// Rejected (invalid ids).
    pub rejected: u64,
    /// A description of the first rejection, for error messages.
    pub first_rejection: Option<String>,
}
