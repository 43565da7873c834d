//! Maintenance: cutting the head into blocks and checkpointing the WAL after each cut.

use std::sync::Arc;

use model::{SampleBuf, SampleSource};

use crate::block::Block;
use crate::block::writer::BlockWriter;
use crate::compact::{PlanBlock, plan_compaction, plan_retention};
use crate::db::Inner;
use crate::error::Result;
use crate::head::stripe_of_ref;
use crate::querier::SampleReader;
use crate::querier::reader::Part;
use crate::record::{self, Record, SamplesEncoder, encode_delete, encode_series};

/// Series per record in a checkpoint, to keep records a reasonable size.
const CHECKPOINT_SERIES_PER_RECORD: usize = 4096;

impl Inner {
    /// One maintenance pass.
    pub(crate) fn maintain(&self) -> Result<()> {
        let _one = self.maintenance.lock();
        let block = self.opts.block_ms();
        while let Some((lo, hi)) = self.head.time_range() {
            if hi - lo <= block / 2 * 3 {
                break;
            }
            let a = lo.div_euclid(block) * block;
            self.persist_head_range(a, a + block)?;
        }
        self.compact_and_retain()
    }

    pub(crate) fn persist_head_before(&self, t: i64) -> Result<()> {
        let _one = self.maintenance.lock();
        let block = self.opts.block_ms();
        let end = t.div_euclid(block) * block;
        while let Some((lo, _)) = self.head.time_range() {
            let a = lo.div_euclid(block) * block;
            if a + block > end {
                break;
            }
            self.persist_head_range(a, a + block)?;
        }
        Ok(())
    }

    pub(crate) fn compact_and_retain(&self) -> Result<()> {
        let ranges = self.opts.compaction_ranges();
        while let Some(ids) = plan_compaction(&self.plan_blocks(), &ranges) {
            self.compact(&ids)?;
        }
        let newest = self
            .head
            .time_range()
            .map(|(_, hi)| hi)
            .into_iter()
            .chain(self.blocks.read().iter().map(|b| b.meta.max_time - 1))
            .max();
        if let Some(newest) = newest {
            let other = self.wal.disk_bytes() + self.head.chunks.disk_bytes();
            let doomed = plan_retention(
                &self.plan_blocks(),
                newest,
                self.opts.retention_ms(),
                self.opts.retention_size,
                other,
            );
            if !doomed.is_empty() {
                self.delete_blocks(&doomed)?;
            }
        }
        // Exemplars live as long as the oldest data that is left.
        let oldest = self
            .blocks
            .read()
            .first()
            .map(|b| b.meta.min_time)
            .or_else(|| self.head.time_range().map(|(lo, _)| lo));
        if let Some(oldest) = oldest {
            self.exemplars
                .drop_before(oldest.div_euclid(self.opts.block_ms()) * self.opts.block_ms())?;
        }
        self.exemplars.sync()?;
        self.metadata.sync()
    }

    pub(crate) fn plan_blocks(&self) -> Vec<PlanBlock> {
        self.blocks
            .read()
            .iter()
            .map(|b| PlanBlock {
                id: b.meta.id.clone(),
                min_time: b.meta.min_time,
                max_time: b.meta.max_time,
                size: b.size,
            })
            .collect()
    }

    /// Writes the head's data in `[a, b)` as a block, publishes it, drops it from the head
    /// and checkpoints the WAL.
    fn persist_head_range(&self, a: i64, b: i64) -> Result<()> {
        self.head.seal_before(b);
        let captured = self.head.capture(a, b)?;
        let mut writer = BlockWriter::create(
            &self.blocks_dir(),
            a,
            b,
            self.opts.block_ms(),
            1,
            Vec::new(),
            Vec::new(),
        )?;
        let mut buf = SampleBuf::new();
        for (labels, snap) in captured {
            buf.clear();
            SampleReader::new(Part::from_head(snap), a, b - 1).read_into(&mut buf)?;
            writer.add_samples(labels, &buf.t, &buf.v)?;
        }
        let dir = writer.dir().to_path_buf();
        let shared_ts = writer.deduplicated_columns();
        let meta = writer.finish()?;
        {
            let mut blocks = self.blocks.write();
            if meta.is_some() {
                let block = Arc::new(Block::open(&dir)?);
                tracing::info!(block = %block.meta.id, series = block.meta.num_series,
                    samples = block.meta.num_samples, bytes = block.size, shared_ts, "persisted head block");
                blocks.push(block);
                blocks.sort_by_key(|b| (b.meta.min_time, b.meta.max_time));
            }
            self.head.truncate_before(b)?;
        }
        self.checkpoint_wal(b)
    }

    /// Replaces the WAL before the current segment with a checkpoint holding the series still
    /// in the head and the samples at or after `b`.
    fn checkpoint_wal(&self, b: i64) -> Result<()> {
        let current = {
            // No append is half done while the segment is cut: every series record in the
            // closed segments belongs to a series already visible in the head.
            let _gate = self.head.gate.write();
            self.wal.cut_segment()?
        };
        let Some(last) = current.checked_sub(1) else {
            return Ok(());
        };
        let (first, _) = self.wal.segment_range();
        let mut records: Vec<Vec<u8>> = Vec::new();
        let mut live = Vec::new();
        for stripe in self.head.stripes.iter() {
            let stripe = stripe.read();
            live.extend(stripe.iter().map(|s| (s.r, s.labels.clone())));
        }
        for group in live.chunks(CHECKPOINT_SERIES_PER_RECORD) {
            let mut rec = Vec::new();
            encode_series(&mut rec, group.iter().map(|(r, l)| (*r, l)));
            records.push(rec);
        }
        let live_ref = |r| self.head.stripes[stripe_of_ref(r)].read().contains(r);
        // Sample and deletion records keep their order, so replay deletes exactly what it
        // deleted the first time.
        let mut keep = |rec: &[u8]| match record::decode(rec) {
            Ok(Record::Samples(samples)) => {
                let mut enc = SamplesEncoder::default();
                for (r, t, v) in samples {
                    if t >= b && live_ref(r) {
                        enc.push(r, t, v);
                    }
                }
                if !enc.is_empty() {
                    let mut out = Vec::new();
                    enc.finish_into(&mut out);
                    records.push(out);
                }
            }
            Ok(Record::Delete(ranges)) => {
                let kept: Vec<_> = ranges
                    .into_iter()
                    .filter(|&(r, _, hi)| hi >= b && live_ref(r))
                    .collect();
                if !kept.is_empty() {
                    let mut out = Vec::new();
                    encode_delete(&mut out, &kept);
                    records.push(out);
                }
            }
            Ok(Record::Series(_)) | Err(_) => {}
        };
        self.wal.read_checkpoint(&mut keep)?;
        if first <= last {
            self.wal.read_segments(first, last, &mut keep)?;
        }
        self.wal
            .checkpoint(last, records.iter().map(Vec::as_slice))?;
        Ok(())
    }
}
