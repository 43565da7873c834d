//! Executing compaction and retention plans.

use std::collections::BTreeSet;
use std::fs;
use std::sync::Arc;

use model::{Labels, SampleBuf, SampleSource};

use crate::block::Block;
use crate::block::index::ChunkEntry;
use crate::block::writer::BlockWriter;
use crate::db::Inner;
use crate::error::{Result, io_err};
use crate::filenames::DELETING_SUFFIX;
use crate::querier::SampleReader;
use crate::querier::reader::Part;

impl Inner {
    /// Merges the blocks `ids` into one and replaces them with it.
    pub(crate) fn compact(&self, ids: &[String]) -> Result<()> {
        let inputs: Vec<Arc<Block>> = self
            .blocks
            .read()
            .iter()
            .filter(|b| ids.contains(&b.meta.id))
            .cloned()
            .collect();
        if inputs.len() < 2 {
            return Ok(());
        }
        let min = inputs
            .iter()
            .map(|b| b.meta.min_time)
            .min()
            .unwrap_or_default();
        let max = inputs
            .iter()
            .map(|b| b.meta.max_time)
            .max()
            .unwrap_or_default();
        let level = inputs
            .iter()
            .map(|b| b.meta.level)
            .max()
            .unwrap_or_default()
            + 1;
        let sources: BTreeSet<String> = inputs
            .iter()
            .flat_map(|b| b.meta.sources.iter().cloned())
            .collect();
        let parents = inputs.iter().map(|b| b.meta.id.clone()).collect();
        let mut writer = BlockWriter::create(
            &self.blocks_dir(),
            min,
            max,
            self.opts.block_ms(),
            level,
            sources.into_iter().collect(),
            parents,
        )?;

        // Every series of every input, merged by labels (a stable sort keeps input order).
        let mut all: Vec<(Labels, usize, Vec<ChunkEntry>)> = Vec::new();
        for (i, block) in inputs.iter().enumerate() {
            for id in 0..block.index.num_series() {
                let (labels, chunks) = block.index.series(id)?;
                all.push((labels, i, chunks));
            }
        }
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let mut buf = SampleBuf::new();
        let mut at = 0;
        while at < all.len() {
            let end = at + all[at..].partition_point(|s| s.0 == all[at].0);
            let mut chunks: Vec<(usize, ChunkEntry)> = all[at..end]
                .iter()
                .flat_map(|(_, i, cs)| cs.iter().map(move |c| (*i, *c)))
                .collect();
            chunks.sort_by_key(|(_, c)| c.mint);
            let labels = all[at].0.clone();
            if chunks.windows(2).all(|w| w[0].1.maxt < w[1].1.mint) {
                // Disjoint in time: copy the columns as they are.
                let mut cols = Vec::with_capacity(chunks.len());
                for (i, c) in &chunks {
                    let ts = inputs[*i].chunks.column(c.ts_ref)?;
                    let vs = inputs[*i].chunks.column(c.val_ref)?;
                    cols.push((c.mint, c.maxt, ts, vs));
                }
                writer.add_columns(labels, &cols)?;
            } else {
                let parts = chunks
                    .into_iter()
                    .map(|(i, c)| Part::Block(Arc::clone(&inputs[i]), c))
                    .collect();
                buf.clear();
                SampleReader::new(parts, i64::MIN, i64::MAX).read_into(&mut buf)?;
                writer.add_samples(labels, &buf.t, &buf.v)?;
            }
            at = end;
        }
        let dir = writer.dir().to_path_buf();
        if writer.finish()?.is_some() {
            let block = Arc::new(Block::open(&dir)?);
            tracing::info!(block = %block.meta.id, inputs = ids.len(), level, "compacted blocks");
            let mut blocks = self.blocks.write();
            blocks.retain(|b| !ids.contains(&b.meta.id));
            blocks.push(block);
            blocks.sort_by_key(|b| (b.meta.min_time, b.meta.max_time));
        } else {
            self.blocks.write().retain(|b| !ids.contains(&b.meta.id));
        }
        for b in inputs {
            remove_block_dir(&b)?;
        }
        Ok(())
    }

    /// Removes blocks from the list and deletes their directories.
    pub(crate) fn delete_blocks(&self, ids: &[String]) -> Result<()> {
        let doomed: Vec<Arc<Block>> = {
            let mut blocks = self.blocks.write();
            let (gone, kept) = blocks.drain(..).partition(|b| ids.contains(&b.meta.id));
            *blocks = kept;
            gone
        };
        for b in doomed {
            tracing::info!(block = %b.meta.id, "deleting block past retention");
            remove_block_dir(&b)?;
        }
        Ok(())
    }
}

/// Renames a block directory out of the way, then deletes it, so a crash midway never leaves
/// a half-deleted block that looks valid. Queries still holding the block keep reading
/// through their maps.
pub(crate) fn remove_block_dir(b: &Block) -> Result<()> {
    let mut doomed = b.dir.clone().into_os_string();
    doomed.push(DELETING_SUFFIX);
    fs::rename(&b.dir, &doomed).map_err(io_err("rename", &b.dir))?;
    fs::remove_dir_all(&doomed).map_err(io_err("remove", &doomed))
}
