//! Blocks: the span columns of a run of whole traces, compressed column by column so a
//! reader decompresses only what it touches. [`encode`] writes them, [`decode`] reads them.
//!
//! Payload: `u8 n_columns | n_columns x uvarint length | the column blobs`, each column a
//! blob (raw or zstd, see `format.rs`). Column contents are in `docs/format/spans.md`.

pub(crate) mod decode;
pub(crate) mod encode;
pub(crate) mod values;

/// Column numbers, in payload order.
pub(crate) const C_TRACE_IDS: usize = 0;
pub(crate) const C_TRACES: usize = 1;
pub(crate) const C_SPAN_IDS: usize = 2;
pub(crate) const C_PARENTS: usize = 3;
pub(crate) const C_ORPHANS: usize = 4;
pub(crate) const C_NAMES: usize = 5;
pub(crate) const C_BITS: usize = 6;
pub(crate) const C_STARTS: usize = 7;
pub(crate) const C_DURATIONS: usize = 8;
pub(crate) const C_ORIGINS: usize = 9;
pub(crate) const C_STATUS_MSG: usize = 10;
pub(crate) const C_EXTRAS: usize = 11;
pub(crate) const C_ATTRS: usize = 12;
pub(crate) const C_EVENTS: usize = 13;
pub(crate) const C_LINKS: usize = 14;
pub(crate) const N_COLS: usize = 15;

/// Parent codes: no parent, a parent outside the segment's rows of the trace (its id is the
/// next entry of the orphans column), or `PARENT_ROW + row within the trace`.
pub(crate) const PARENT_NONE: u64 = 0;
pub(crate) const PARENT_ORPHAN: u64 = 1;
pub(crate) const PARENT_ROW: u64 = 2;

/// Bits column: kind in bits 0-2, status code in bits 3-4, "has extras" in bit 5.
pub(crate) const BIT_EXTRAS: u8 = 1 << 5;
