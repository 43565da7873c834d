//! The otelstore metrics engine: float time series that are fast to write, compact on disk
//! and never lose an acknowledged sample.
//!
//! ```text
//! append ─► WAL (fsync per policy) ─► head (in memory: series, postings, open XOR chunks;
//!                                            full chunks spilled to chunks_head/)
//!                      every 2h of data ─► block (immutable: meta, chunks = columns, index)
//!                                            └─► compaction (2h → 6h → 18h …), retention
//! query ─► DbQuerier: postings per matcher ─► series from blocks and head, merged by labels
//! ```
//!
//! - [`Db::append`] takes batches of series with samples and reports, per sample, whether it
//!   was appended or why not ([`AppendOutcome`]). Late samples are accepted within
//!   [`Options::out_of_order_window`].
//! - [`Db::querier`] implements [`model::Querier`]: matchers to series, sorted by labels.
//! - Blocks store each series' timestamps and values as separate columns whose encoding is
//!   chosen per column by measuring the candidates (see the `codec` crate); timestamp columns
//!   shared by series scraped together are stored once.
//!
//! File layouts are documented in `docs/format/`.

pub mod block;
mod compact;
mod db;
mod error;
mod exemplars;
mod filenames;
mod head;
mod logfile;
mod metadata;
mod options;
mod postings;
mod querier;
mod record;

pub use block::meta::BlockMeta;
pub use db::{Db, HeadStats, TsdbStats};
pub use error::{Error, Result};
pub use exemplars::ExemplarOutcome;
pub use model::SeriesSamples;
pub use options::Options;
pub use querier::{DbQuerier, SampleReader};
pub use wal::{Options as WalOptions, SyncPolicy};

/// What became of the samples of an append batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppendOutcome {
    /// Stored.
    pub appended: u64,
    /// Identical to a sample already stored (a retry); nothing to do, not an error.
    pub ignored: u64,
    /// Rejected: same timestamp as a stored sample with a different value.
    pub duplicate: u64,
    /// Rejected: older than the series' newest sample while out-of-order ingestion is off.
    pub out_of_order: u64,
    /// Rejected: older than the out-of-order window, or than data already in blocks.
    pub too_old: u64,
    /// Rejected: the series' labels are invalid.
    pub invalid: u64,
    /// A description of the first rejection, for error messages.
    pub first_rejection: Option<String>,
}

impl AppendOutcome {
    /// Number of rejected samples.
    pub fn rejected(&self) -> u64 {
        self.duplicate + self.out_of_order + self.too_old + self.invalid
    }

    /// Adds another batch's counts to these.
    pub fn merge(&mut self, other: &AppendOutcome) {
        self.appended += other.appended;
        self.ignored += other.ignored;
        self.duplicate += other.duplicate;
        self.out_of_order += other.out_of_order;
        self.too_old += other.too_old;
        self.invalid += other.invalid;
        if self.first_rejection.is_none() {
            self.first_rejection.clone_from(&other.first_rejection);
        }
    }
}
