//! Deleting series data (the admin `delete_series` call): blocks holding matching series are
//! rewritten without the deleted range, and the head rebuilds the affected series.
//!
//! A rewritten block names the block it replaces as its parent, so a crash between writing
//! the new block and deleting the old one resolves at the next open.

use std::sync::Arc;

use model::{Matcher, SampleBuf, SampleSource};

use super::Db;
use crate::block::Block;
use crate::block::writer::BlockWriter;
use crate::error::{Error, Result};
use crate::postings;
use crate::querier::SampleReader;
use crate::querier::reader::Part;

impl Db {
    /// Deletes every sample in `[mint, maxt]` of series matching any of the matcher sets.
    /// Returns the number of samples removed.
    pub fn delete_series(
        &self,
        matcher_sets: &[Vec<Matcher>],
        mint: i64,
        maxt: i64,
    ) -> Result<u64> {
        let inner = &self.inner;
        // No cut or compaction moves data between head and blocks meanwhile.
        let _one = inner.maintenance.lock();
        let mut removed = 0;
        let blocks: Vec<Arc<Block>> = inner
            .blocks
            .read()
            .iter()
            .filter(|b| b.overlaps(mint, maxt))
            .cloned()
            .collect();
        for block in blocks {
            removed += self.rewrite_without(&block, matcher_sets, mint, maxt)?;
        }
        let wal = &inner.wal;
        for ms in matcher_sets {
            removed += inner.head.delete(ms, mint, maxt, &|rec| {
                wal.append(&[rec]).map_err(Error::from)
            })?;
        }
        Ok(removed)
    }

    fn rewrite_without(
        &self,
        block: &Arc<Block>,
        matcher_sets: &[Vec<Matcher>],
        mint: i64,
        maxt: i64,
    ) -> Result<u64> {
        let inner = &self.inner;
        let mut doomed = roaring::RoaringBitmap::new();
        for ms in matcher_sets {
            doomed |= postings::select(&block.index, ms)?;
        }
        if doomed.is_empty() {
            return Ok(0);
        }
        let meta = &block.meta;
        let mut writer = BlockWriter::create(
            &inner.blocks_dir(),
            meta.min_time,
            meta.max_time,
            inner.opts.block_ms(),
            meta.level,
            meta.sources.clone(),
            vec![meta.id.clone()],
        )?;
        let mut removed = 0;
        let mut buf = SampleBuf::new();
        for id in 0..block.index.num_series() {
            let (labels, chunks) = block.index.series(id)?;
            if doomed.contains(id) {
                buf.clear();
                let parts = chunks
                    .into_iter()
                    .map(|c| Part::Block(Arc::clone(block), c))
                    .collect();
                SampleReader::new(parts, i64::MIN, i64::MAX).read_into(&mut buf)?;
                let (mut t, mut v) = (Vec::with_capacity(buf.len()), Vec::with_capacity(buf.len()));
                for s in buf.iter() {
                    if s.t >= mint && s.t <= maxt {
                        removed += 1;
                    } else {
                        t.push(s.t);
                        v.push(s.v);
                    }
                }
                writer.add_samples(labels, &t, &v)?;
            } else {
                let mut cols = Vec::with_capacity(chunks.len());
                for c in &chunks {
                    cols.push((
                        c.mint,
                        c.maxt,
                        block.chunks.column(c.ts_ref)?,
                        block.chunks.column(c.val_ref)?,
                    ));
                }
                writer.add_columns(labels, &cols)?;
            }
        }
        if removed == 0 {
            writer.abandon()?;
            return Ok(0);
        }
        let dir = writer.dir().to_path_buf();
        let written = writer.finish()?;
        {
            let mut blocks = inner.blocks.write();
            blocks.retain(|b| b.meta.id != meta.id);
            if written.is_some() {
                blocks.push(Arc::new(Block::open(&dir)?));
                blocks.sort_by_key(|b| (b.meta.min_time, b.meta.max_time));
            }
        }
        crate::compact::run::remove_block_dir(block)?;
        Ok(removed)
    }
}
