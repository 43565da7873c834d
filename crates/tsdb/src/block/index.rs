//! A block's index file (`index`): symbols, series with their chunk references, postings as
//! roaring bitmaps, and the label table that finds postings by name and value.
//!
//! Series are written sorted by labels and numbered in that order, so a postings list read in
//! ascending order yields series in label order and a query's result needs no sort. Symbols
//! are sorted too, so comparing symbol ids compares strings. Layout: `docs/format/block.md`.

mod reader;
mod writer;

pub(crate) use reader::IndexReader;
pub(crate) use writer::write_index;

const MAGIC: u32 = 0x4F54_4249; // "OTBI"
const VERSION: u8 = 1;
const HEADER: usize = 8;
const TOC: usize = 32;

/// One chunk of a series: its time range and its two columns in the block's column file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChunkEntry {
    pub(crate) mint: i64,
    pub(crate) maxt: i64,
    pub(crate) ts_ref: u64,
    pub(crate) val_ref: u64,
}
