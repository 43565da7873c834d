//! Decoding one series' samples from the parts that hold them.

use std::sync::Arc;

use model::{Sample, SampleBuf, SampleSource};

use crate::block::Block;
use crate::block::index::ChunkEntry;
use crate::error::{Error, Result};
use crate::head::chunk_file::{self, ChunkFile};
use crate::head::series::{ChunkMeta, SeriesSnapshot};

/// One piece of a series' data.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    /// A column pair in a block.
    Block(Arc<Block>, ChunkEntry),
    /// A full head chunk in a spill file.
    Spilled(ChunkMeta, Arc<ChunkFile>),
    /// A copy of the head's open chunk: (first t, last t, XOR bytes).
    Open(i64, i64, Vec<u8>),
    /// Late samples from the head, sorted.
    Late(Vec<Sample>),
}

impl Part {
    pub(crate) fn from_head(snap: SeriesSnapshot) -> Vec<Part> {
        let mut parts: Vec<Part> = snap
            .spilled
            .into_iter()
            .map(|(m, f)| Part::Spilled(m, f))
            .collect();
        if let Some((lo, hi, bytes)) = snap.open {
            parts.push(Part::Open(lo, hi, bytes));
        }
        if !snap.ooo.is_empty() {
            parts.push(Part::Late(snap.ooo));
        }
        parts
    }

    fn range(&self) -> (i64, i64) {
        match self {
            Part::Block(_, c) => (c.mint, c.maxt),
            Part::Spilled(m, _) => (m.mint, m.maxt),
            Part::Open(lo, hi, _) => (*lo, *hi),
            Part::Late(s) => (
                s.first().map_or(i64::MAX, |s| s.t),
                s.last().map_or(i64::MIN, |s| s.t),
            ),
        }
    }

    /// Appends the part's samples, in time order, to `out`.
    fn decode_into(&self, out: &mut SampleBuf) -> Result<()> {
        match self {
            Part::Block(block, c) => {
                let ts = block.chunks.column(c.ts_ref)?;
                codec::column::decode_timestamps(ts, &mut out.t).map_err(|source| {
                    Error::Codec {
                        path: block.chunks.path().to_path_buf(),
                        offset: c.ts_ref,
                        source,
                    }
                })?;
                let vs = block.chunks.column(c.val_ref)?;
                codec::column::decode_values(vs, &mut out.v).map_err(|source| Error::Codec {
                    path: block.chunks.path().to_path_buf(),
                    offset: c.val_ref,
                    source,
                })?;
            }
            Part::Spilled(m, file) => {
                let bytes = file.read(chunk_file::offset(m.r))?;
                decode_xor(&bytes, out)?;
            }
            Part::Open(_, _, bytes) => decode_xor(bytes, out)?,
            Part::Late(samples) => {
                for s in samples {
                    out.push(s.t, s.v);
                }
            }
        }
        if out.t.len() != out.v.len() {
            return Err(Error::Corrupted {
                path: "column".into(),
                offset: 0,
                detail: "timestamp and value columns differ in length".into(),
            });
        }
        Ok(())
    }
}

fn decode_xor(bytes: &[u8], out: &mut SampleBuf) -> Result<()> {
    codec::xor::decode(bytes, &mut out.t, &mut out.v)
        .map(drop)
        .map_err(|source| Error::Codec {
            path: "chunks_head".into(),
            offset: 0,
            source,
        })
}

/// The samples of one selected series in `[mint, maxt]`, decoded when read.
#[derive(Debug, Clone)]
pub struct SampleReader {
    parts: Vec<Part>,
    mint: i64,
    maxt: i64,
}

impl SampleReader {
    pub(crate) fn new(mut parts: Vec<Part>, mint: i64, maxt: i64) -> Self {
        parts.sort_by_key(|p| p.range().0);
        SampleReader { parts, mint, maxt }
    }

    /// Whether the parts follow each other without overlapping in time, so decoding them in
    /// order already yields sorted, unique timestamps.
    fn disjoint(&self) -> bool {
        self.parts
            .windows(2)
            .all(|w| w[0].range().1 < w[1].range().0)
    }
}

impl SampleSource for SampleReader {
    type Error = Error;

    fn read_into(&mut self, out: &mut SampleBuf) -> Result<()> {
        let start = out.len();
        if self.disjoint() {
            for p in &self.parts {
                let at = out.len();
                p.decode_into(out)?;
                let (lo, hi) = p.range();
                if lo < self.mint {
                    let skip = out.t[at..].partition_point(|&t| t < self.mint);
                    out.t.drain(at..at + skip);
                    out.v.drain(at..at + skip);
                }
                if hi > self.maxt {
                    let keep = at + out.t[at..].partition_point(|&t| t <= self.maxt);
                    out.t.truncate(keep);
                    out.v.truncate(keep);
                }
            }
            return Ok(());
        }
        // Overlapping parts (late samples, overlapping blocks): decode all, then merge. The
        // stable sort keeps the first part's sample where timestamps repeat.
        let mut tmp = SampleBuf::new();
        for p in &self.parts {
            p.decode_into(&mut tmp)?;
        }
        let mut pairs: Vec<(i64, f64)> = tmp.t.into_iter().zip(tmp.v).collect();
        pairs.sort_by_key(|&(t, _)| t);
        pairs.dedup_by_key(|&mut (t, _)| t);
        for (t, v) in pairs {
            if t >= self.mint && t <= self.maxt {
                out.push(t, v);
            }
        }
        debug_assert!(out.t[start..].windows(2).all(|w| w[0] < w[1]));
        Ok(())
    }
}
