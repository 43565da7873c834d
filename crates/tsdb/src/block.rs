//! Persisted blocks: immutable directories holding every series' data for a time range.
//!
//! A block directory has three files: `meta` (range, counts, lineage), `chunks` (timestamp
//! and value columns) and `index` (symbols, series, postings). Blocks are written into a
//! temporary directory, fsynced, and renamed into place, so a block either exists whole or
//! not at all. They are never modified afterwards, which is what makes memory-mapping them
//! safe. Layouts: `docs/format/block.md`.

pub(crate) mod chunks;
pub(crate) mod index;
pub mod meta;
pub(crate) mod writer;

use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use model::{Labels, Matcher};

use self::chunks::ChunksReader;
use self::index::{ChunkEntry, IndexReader};
use self::meta::BlockMeta;
use crate::error::{Result, io_err};
use crate::filenames::{BLOCK_CHUNKS, BLOCK_INDEX};
use crate::postings;

/// An open block.
#[derive(Debug)]
pub(crate) struct Block {
    pub(crate) dir: PathBuf,
    pub(crate) meta: BlockMeta,
    pub(crate) index: IndexReader,
    pub(crate) chunks: ChunksReader,
    /// Bytes of all its files.
    pub(crate) size: u64,
}

impl Block {
    /// Opens the block in `dir`, verifying headers and the index checksum.
    pub(crate) fn open(dir: &Path) -> Result<Self> {
        let meta = BlockMeta::read(dir)?;
        let index = IndexReader::open(&dir.join(BLOCK_INDEX))?;
        let chunks = ChunksReader::open(&dir.join(BLOCK_CHUNKS))?;
        let size = dir_size(dir)?;
        Ok(Block {
            dir: dir.to_path_buf(),
            meta,
            index,
            chunks,
            size,
        })
    }

    /// Whether the block's range `[min_time, max_time)` overlaps `[mint, maxt]`.
    pub(crate) fn overlaps(&self, mint: i64, maxt: i64) -> bool {
        self.meta.min_time <= maxt && self.meta.max_time > mint
    }

    /// Series matching `matchers` with chunks overlapping `[mint, maxt]`, sorted by labels,
    /// with those chunks.
    pub(crate) fn select(
        &self,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<(Labels, Vec<ChunkEntry>)>> {
        let ids = postings::select(&self.index, matchers)?;
        let mut out = Vec::with_capacity(ids.len() as usize);
        for id in &ids {
            let (labels, mut chunks) = self.index.series(id)?;
            chunks.retain(|c| c.maxt >= mint && c.mint <= maxt);
            if !chunks.is_empty() {
                out.push((labels, chunks));
            }
        }
        Ok(out)
    }
}

/// Maps a file read-only.
pub(crate) fn map_file(path: &Path) -> Result<Mmap> {
    let file = File::open(path).map_err(io_err("open", path))?;
    // SAFETY: block files are complete and fsynced before their directory is renamed into
    // place, and nothing writes to them afterwards. Deleting a block unlinks its files, which
    // leaves existing mappings valid. Another process truncating our files would break this;
    // the data directory lock keeps other otelstore processes out.
    #[allow(unsafe_code)]
    let map = unsafe { Mmap::map(&file) }.map_err(io_err("mmap", path))?;
    Ok(map)
}

fn dir_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).map_err(io_err("list", dir))? {
        let entry = entry.map_err(io_err("list", dir))?;
        total += entry
            .metadata()
            .map_err(io_err("stat", entry.path()))?
            .len();
    }
    Ok(total)
}

/// A new block id: 26 characters, Crockford base32, sorting by creation time (a ULID).
pub(crate) fn new_block_id() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};

    static COUNTER: AtomicU64 = AtomicU64::new(0);
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = RandomState::new().hash_one((n, std::process::id()));
    let bits: u128 = (u128::from(ms & 0xFFFF_FFFF_FFFF) << 80)
        | (u128::from(random) << 16)
        | u128::from(n as u16);
    (0..26)
        .rev()
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_ids_are_unique_and_time_sorted() {
        let a = new_block_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_block_id();
        assert_eq!(a.len(), 26);
        assert!(a < b, "{a} < {b}");
    }
}
