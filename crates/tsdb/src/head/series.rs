//! One series in the head: its labels, its chunks, and the rules for accepting a sample.
//!
//! In-order samples go into an open Gorilla (XOR) chunk. A chunk is cut when it holds
//! `head_chunk_samples` samples or when a sample crosses an aligned block boundary, so a chunk
//! never spans two blocks and cutting the head never splits one. Full chunks are spilled to
//! [`HeadChunks`] and only their time range and reference stay here. Late samples inside the
//! out-of-order window go into a small sorted buffer beside the chunks and are merged on read.

use std::sync::Arc;

use codec::xor::XorAppender;
use model::{Labels, Sample};

use super::chunk_file::{self, ChunkFile, ChunkRef, HeadChunks};
use crate::error::{Error, Result};
use crate::record::SeriesRef;

/// A spilled chunk's time range, sample count and where it lives.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChunkMeta {
    pub(crate) mint: i64,
    pub(crate) maxt: i64,
    pub(crate) r: ChunkRef,
    pub(crate) samples: u16,
}

/// What happened to one sample offered to a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accept {
    /// Stored.
    Appended,
    /// Identical to a stored sample; nothing to do.
    Ignored,
    /// Same timestamp as a stored sample, different value: rejected.
    Duplicate,
    /// Older than the newest sample and no out-of-order window: rejected.
    OutOfOrder,
    /// Older than the out-of-order window or than persisted data: rejected.
    TooOld,
}

/// The limits a sample is checked against, computed once per append batch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Samples before this time are already in blocks.
    pub(crate) min_valid: i64,
    /// Late samples before this time are too old (`max_t - window`).
    pub(crate) ooo_floor: i64,
    /// Whether late samples are accepted at all.
    pub(crate) ooo_enabled: bool,
    pub(crate) block_ms: i64,
    pub(crate) chunk_samples: usize,
}

/// The head's state for one series.
#[derive(Debug)]
pub(crate) struct MemSeries {
    pub(crate) r: SeriesRef,
    pub(crate) labels: Labels,
    spilled: Vec<ChunkMeta>,
    open: Option<XorAppender>,
    /// Exclusive end of the aligned window the open chunk belongs to.
    open_end: i64,
    /// Late samples, sorted by time, no duplicates.
    #[allow(clippy::box_collection)]
    // 8 bytes in every series instead of 24; late data is rare
    ooo: Option<Box<Vec<Sample>>>,
}

/// What a reader needs of a series, copied under the stripe lock so decoding can happen
/// without it.
#[derive(Debug, Clone, Default)]
pub(crate) struct SeriesSnapshot {
    pub(crate) spilled: Vec<(ChunkMeta, Arc<ChunkFile>)>,
    pub(crate) open: Option<(i64, i64, Vec<u8>)>,
    pub(crate) ooo: Vec<Sample>,
}

impl MemSeries {
    pub(crate) fn new(r: SeriesRef, labels: Labels) -> Self {
        MemSeries {
            r,
            labels,
            spilled: Vec::new(),
            open: None,
            open_end: i64::MIN,
            ooo: None,
        }
    }

    /// Reads a word from every cache line an append to this series will use, so that they
    /// load while other series' loads are in flight (see `append::Window`). The result means
    /// nothing; it only keeps the loads from being optimised away.
    pub(crate) fn touch(&self) -> u64 {
        let names: usize = self.labels.as_slice().iter().map(|l| l.name.len()).sum();
        // The series spans three cache lines: read a field from each part of it.
        let own = self.spilled.len() as u64 ^ self.open_end as u64 ^ u64::from(self.ooo.is_some());
        let open = self.open.as_ref().map_or(0, |o| {
            let b = o.bytes();
            // The header (sample count) and the tail (where the next sample goes).
            u64::from(b[0]) + u64::from(b[b.len() - 1]) + o.last_v().map_or(0, f64::to_bits)
        });
        names as u64 + own + open
    }

    /// Newest in-order timestamp and its value.
    fn last(&self) -> Option<(i64, f64)> {
        self.open
            .as_ref()
            .and_then(|o| Some((o.last_t()?, o.last_v()?)))
    }

    /// Oldest timestamp of in-order data.
    fn first_in_order(&self) -> Option<i64> {
        self.spilled
            .first()
            .map(|c| c.mint)
            .or_else(|| self.open.as_ref()?.first_t())
    }

    /// Oldest timestamp held, in-order or late.
    pub(crate) fn min_t(&self) -> Option<i64> {
        let ooo = self.ooo.as_ref().and_then(|o| o.first().map(|s| s.t));
        match (self.first_in_order(), ooo) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Newest timestamp held, in-order or late.
    pub(crate) fn max_t(&self) -> Option<i64> {
        let in_order = self.open.as_ref().and_then(XorAppender::last_t);
        let ooo = self.ooo.as_ref().and_then(|o| o.last().map(|s| s.t));
        match (in_order, ooo) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// Offers one sample during normal ingest.
    pub(crate) fn append(
        &mut self,
        t: i64,
        v: f64,
        lim: &Limits,
        chunks: &HeadChunks,
    ) -> Result<Accept> {
        if t < lim.min_valid {
            return Ok(Accept::TooOld);
        }
        match self.last() {
            None => {}
            Some((lt, _)) if t > lt => {}
            Some((lt, lv)) if t == lt => {
                return Ok(if lv.to_bits() == v.to_bits() {
                    Accept::Ignored
                } else {
                    Accept::Duplicate
                });
            }
            Some(_) if !lim.ooo_enabled => return Ok(Accept::OutOfOrder),
            Some(_) if t < lim.ooo_floor => return Ok(Accept::TooOld),
            Some(_) => return self.insert_late(t, v, chunks),
        }
        self.append_in_order(t, v, lim, chunks)?;
        Ok(Accept::Appended)
    }

    /// Applies one sample read back from the WAL. The WAL holds only samples that were
    /// accepted once, so nothing is rejected for age here, only exact repeats are skipped.
    pub(crate) fn replay(
        &mut self,
        t: i64,
        v: f64,
        lim: &Limits,
        chunks: &HeadChunks,
    ) -> Result<()> {
        if t < lim.min_valid {
            return Ok(());
        }
        match self.last() {
            Some((lt, _)) if t == lt => {}
            Some((lt, _)) if t < lt => {
                self.insert_late(t, v, chunks)?;
            }
            _ => self.append_in_order(t, v, lim, chunks)?,
        }
        Ok(())
    }

    fn append_in_order(&mut self, t: i64, v: f64, lim: &Limits, chunks: &HeadChunks) -> Result<()> {
        let full = self
            .open
            .as_ref()
            .is_some_and(|o| o.num_samples() >= lim.chunk_samples);
        if self.open.is_none() || full || t >= self.open_end {
            self.spill_open(chunks)?;
            self.open = Some(XorAppender::new());
            self.open_end = (t.div_euclid(lim.block_ms) + 1).saturating_mul(lim.block_ms);
        }
        if let Some(open) = self.open.as_mut() {
            open.append(t, v);
            // A quarter into the chunk its final size is predictable: allocate it once, as
            // step-wise growth would leave a quarter of the buffer unused on average.
            let n = open.num_samples();
            if n == lim.chunk_samples / 4 && n > 0 {
                let len = open.len_bytes();
                let predicted = len * lim.chunk_samples / n + len / 8;
                open.reserve_exact(predicted.saturating_sub(len));
            }
        }
        Ok(())
    }

    /// Writes the open chunk to the spill files.
    fn spill_open(&mut self, chunks: &HeadChunks) -> Result<()> {
        let Some(open) = self.open.take() else {
            return Ok(());
        };
        let (Some(mint), Some(maxt)) = (open.first_t(), open.last_t()) else {
            return Ok(());
        };
        let r = chunks.write(open.bytes(), maxt)?;
        let samples = open.num_samples() as u16;
        self.spilled.push(ChunkMeta {
            mint,
            maxt,
            r,
            samples,
        });
        Ok(())
    }

    /// Stores a late sample unless a sample with its timestamp exists.
    fn insert_late(&mut self, t: i64, v: f64, chunks: &HeadChunks) -> Result<Accept> {
        if let Some(existing) = self.find_in_order(t, chunks)? {
            return Ok(if existing.to_bits() == v.to_bits() {
                Accept::Ignored
            } else {
                Accept::Duplicate
            });
        }
        let ooo = self.ooo.get_or_insert_with(Default::default);
        match ooo.binary_search_by(|s| s.t.cmp(&t)) {
            Ok(i) if ooo[i].v.to_bits() == v.to_bits() => Ok(Accept::Ignored),
            Ok(_) => Ok(Accept::Duplicate),
            Err(i) => {
                ooo.insert(i, Sample::new(t, v));
                Ok(Accept::Appended)
            }
        }
    }

    /// The value of the in-order sample at exactly `t`, if there is one.
    fn find_in_order(&self, t: i64, chunks: &HeadChunks) -> Result<Option<f64>> {
        if let Some(open) = &self.open
            && open.first_t().is_some_and(|f| f <= t)
        {
            return Ok(codec::xor::iter(open.bytes())
                .map_err(|e| corrupt_open(&e))?
                .find(|&(st, _)| st == t)
                .map(|(_, v)| v));
        }
        let Some(c) = self.spilled.iter().find(|c| c.mint <= t && t <= c.maxt) else {
            return Ok(None);
        };
        let file = chunks.file(c.r).ok_or_else(|| missing_chunk(c.r))?;
        let bytes = file.read(chunk_file::offset(c.r))?;
        let found = codec::xor::iter(&bytes)
            .map_err(|e| corrupt_open(&e))?
            .find(|&(st, _)| st == t);
        Ok(found.map(|(_, v)| v))
    }

    /// Removes the samples in `[lo, hi]` by rebuilding the series' chunks from what is left.
    /// Returns the number of samples removed.
    pub(crate) fn delete_range(
        &mut self,
        lo: i64,
        hi: i64,
        lim: &Limits,
        chunks: &HeadChunks,
    ) -> Result<u64> {
        let (Some(min), Some(max)) = (self.min_t(), self.max_t()) else {
            return Ok(0);
        };
        if hi < min || lo > max {
            return Ok(0);
        }
        let snap = self.snapshot(i64::MIN, i64::MAX, chunks)?;
        let mut all = model::SampleBuf::new();
        model::SampleSource::read_into(
            &mut crate::querier::SampleReader::new(
                crate::querier::reader::Part::from_head(snap),
                i64::MIN,
                i64::MAX,
            ),
            &mut all,
        )?;
        self.spilled.clear();
        self.open = None;
        self.ooo = None;
        let mut removed = 0;
        for s in all.iter() {
            if s.t >= lo && s.t <= hi {
                removed += 1;
            } else {
                self.append_in_order(s.t, s.v, lim, chunks)?;
            }
        }
        Ok(removed)
    }

    /// Copies what a reader of `[mint, maxt]` needs.
    pub(crate) fn snapshot(
        &self,
        mint: i64,
        maxt: i64,
        chunks: &HeadChunks,
    ) -> Result<SeriesSnapshot> {
        let mut snap = SeriesSnapshot::default();
        for c in self
            .spilled
            .iter()
            .filter(|c| c.maxt >= mint && c.mint <= maxt)
        {
            let file = chunks.file(c.r).ok_or_else(|| missing_chunk(c.r))?;
            snap.spilled.push((*c, file));
        }
        if let Some(o) = &self.open
            && let (Some(first), Some(last)) = (o.first_t(), o.last_t())
            && last >= mint
            && first <= maxt
        {
            snap.open = Some((first, last, o.bytes().to_vec()));
        }
        if let Some(ooo) = &self.ooo {
            snap.ooo = ooo
                .iter()
                .filter(|s| s.t >= mint && s.t <= maxt)
                .copied()
                .collect();
        }
        Ok(snap)
    }

    /// Drops everything before `mint` (which is block-aligned, so no chunk straddles it).
    /// Returns the number of samples dropped.
    pub(crate) fn truncate_before(&mut self, mint: i64) -> u64 {
        let mut dropped = 0u64;
        self.spilled.retain(|c| {
            let keep = c.maxt >= mint;
            if !keep {
                dropped += u64::from(c.samples);
            }
            keep
        });
        if self
            .open
            .as_ref()
            .and_then(XorAppender::last_t)
            .is_some_and(|t| t < mint)
        {
            dropped += self.open.take().map_or(0, |o| o.num_samples() as u64);
        }
        if let Some(ooo) = &mut self.ooo {
            let before = ooo.len();
            ooo.retain(|s| s.t >= mint);
            dropped += (before - ooo.len()) as u64;
            if ooo.is_empty() {
                self.ooo = None;
            }
        }
        dropped
    }

    /// Number of chunks, spilled and open.
    pub(crate) fn num_chunks(&self) -> usize {
        self.spilled.len() + usize::from(self.open.is_some())
    }
}

fn missing_chunk(r: ChunkRef) -> Error {
    Error::Corrupted {
        path: "chunks_head".into(),
        offset: r,
        detail: "head chunk file is missing".into(),
    }
}

fn corrupt_open(e: &codec::Error) -> Error {
    Error::Corrupted {
        path: "head".into(),
        offset: 0,
        detail: format!("head chunk: {e}"),
    }
}
