//! Block metadata (`meta`): identity, time range, counts and lineage of a block.
//!
//! Small and read on every open, so the block list can be planned (compaction, retention)
//! without touching indexes. Layout: `docs/format/block.md`.

use std::path::Path;

use crate::error::{Error, Result, io_err};
use codec::fields::{Reader, Writer};

const MAGIC: u32 = 0x4F54_424D; // "OTBM"
const VERSION: u8 = 1;

/// What a block holds and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockMeta {
    /// Unique, time-sortable identifier; also the directory name.
    pub id: String,
    /// Oldest sample time, inclusive.
    pub min_time: i64,
    /// End of the covered range, exclusive.
    pub max_time: i64,
    /// Number of series.
    pub num_series: u64,
    /// Number of samples.
    pub num_samples: u64,
    /// Number of chunks (column pairs).
    pub num_chunks: u64,
    /// 1 for a block cut from the head, parent level + 1 for a compacted one.
    pub level: u32,
    /// Ids of the level-1 blocks whose data this block contains.
    pub sources: Vec<String>,
    /// Ids of the blocks compacted into this one; those are deleted if found at open.
    pub parents: Vec<String>,
}

impl BlockMeta {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u32(MAGIC);
        w.u8(VERSION);
        w.str(&self.id);
        w.i64(self.min_time);
        w.i64(self.max_time);
        w.u64(self.num_series);
        w.u64(self.num_samples);
        w.u64(self.num_chunks);
        w.u32(self.level);
        for list in [&self.sources, &self.parents] {
            w.u32(list.len() as u32);
            for id in list {
                w.str(id);
            }
        }
        let crc = crc32c::crc32c(&w.buf);
        w.u32(crc);
        w.buf
    }

    pub(crate) fn decode(path: &Path, bytes: &[u8]) -> Result<Self> {
        let corrupt = |offset: usize, detail: &str| Error::Corrupted {
            path: path.to_path_buf(),
            offset: offset as u64,
            detail: detail.to_string(),
        };
        if bytes.len() < 9 {
            return Err(corrupt(0, "meta file too short"));
        }
        let (body, tail) = bytes.split_at(bytes.len() - 4);
        let stored = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
        let computed = crc32c::crc32c(body);
        let mut r = Reader::new(body);
        let magic = r.u32().map_err(|o| corrupt(o, "truncated"))?;
        if magic != MAGIC {
            return Err(Error::BadMagic {
                path: path.into(),
                kind: "block meta",
                expected: MAGIC,
                found: magic,
            });
        }
        if stored != computed {
            return Err(Error::ChecksumMismatch {
                path: path.into(),
                section: "meta",
                stored,
                computed,
            });
        }
        let version = r.u8().map_err(|o| corrupt(o, "truncated"))?;
        if version != VERSION {
            return Err(Error::UnsupportedVersion {
                path: path.into(),
                version,
            });
        }
        let mut read = || -> Result<BlockMeta, usize> {
            let id = r.str()?.to_string();
            let (min_time, max_time) = (r.i64()?, r.i64()?);
            let (num_series, num_samples, num_chunks) = (r.u64()?, r.u64()?, r.u64()?);
            let level = r.u32()?;
            let mut lists = [Vec::new(), Vec::new()];
            for list in &mut lists {
                let n = r.u32()?;
                for _ in 0..n {
                    list.push(r.str()?.to_string());
                }
            }
            let [sources, parents] = lists;
            Ok(BlockMeta {
                id,
                min_time,
                max_time,
                num_series,
                num_samples,
                num_chunks,
                level,
                sources,
                parents,
            })
        };
        read().map_err(|o| corrupt(o, "truncated or malformed field"))
    }

    pub(crate) fn read(dir: &Path) -> Result<Self> {
        let path = dir.join(crate::filenames::BLOCK_META);
        let bytes = std::fs::read(&path).map_err(io_err("read", &path))?;
        Self::decode(&path, &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> BlockMeta {
        BlockMeta {
            id: "01JABCDEF".into(),
            min_time: -5,
            max_time: 7_200_000,
            num_series: 3,
            num_samples: 100,
            num_chunks: 4,
            level: 2,
            sources: vec!["a".into(), "b".into()],
            parents: vec!["c".into()],
        }
    }

    #[test]
    fn meta_round_trips() {
        let m = meta();
        assert_eq!(
            BlockMeta::decode(Path::new("m"), &m.encode()).expect("decode"),
            m
        );
    }

    #[test]
    fn damaged_meta_is_a_clear_error() {
        let bytes = meta().encode();
        for cut in 0..bytes.len() {
            assert!(
                BlockMeta::decode(Path::new("m"), &bytes[..cut]).is_err(),
                "cut {cut}"
            );
        }
        let mut flipped = bytes.clone();
        flipped[12] ^= 1;
        assert!(matches!(
            BlockMeta::decode(Path::new("m"), &flipped),
            Err(Error::ChecksumMismatch { .. })
        ));
    }
}
