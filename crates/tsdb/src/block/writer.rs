//! Writes a block: columns as series are added (in label order), then index and meta, then
//! an atomic rename into place.

use std::fs;
use std::path::{Path, PathBuf};

use model::Labels;

use super::chunks::ChunksWriter;
use super::index::{ChunkEntry, write_index};
use super::meta::BlockMeta;
use crate::error::{Error, Result, io_err};
use crate::filenames::{BLOCK_CHUNKS, BLOCK_INDEX, BLOCK_META, TMP_SUFFIX};

/// Longest column written; longer runs are split so a reader never decodes more at once.
const MAX_COLUMN_SAMPLES: usize = 1 << 16;

/// Builds one block directory.
#[derive(Debug)]
pub(crate) struct BlockWriter {
    tmp: PathBuf,
    dir: PathBuf,
    chunks: ChunksWriter,
    series: Vec<(Labels, Vec<ChunkEntry>)>,
    meta: BlockMeta,
    window_ms: i64,
    scratch: Vec<u8>,
}

impl BlockWriter {
    /// Starts a block covering `[min_time, max_time)` under `blocks_dir`. Columns are split at
    /// multiples of `window_ms`, the head's block duration, so identical timestamps produce
    /// identical columns in every series.
    pub(crate) fn create(
        blocks_dir: &Path,
        min_time: i64,
        max_time: i64,
        window_ms: i64,
        level: u32,
        sources: Vec<String>,
        parents: Vec<String>,
    ) -> Result<Self> {
        let id = super::new_block_id();
        let dir = blocks_dir.join(&id);
        let tmp = blocks_dir.join(format!("{id}{TMP_SUFFIX}"));
        fs::create_dir_all(&tmp).map_err(io_err("create", &tmp))?;
        let chunks = ChunksWriter::create(&tmp.join(BLOCK_CHUNKS))?;
        let sources = if sources.is_empty() {
            vec![id.clone()]
        } else {
            sources
        };
        Ok(BlockWriter {
            tmp,
            dir,
            chunks,
            series: Vec::new(),
            meta: BlockMeta {
                id,
                min_time,
                max_time,
                num_series: 0,
                num_samples: 0,
                num_chunks: 0,
                level,
                sources,
                parents,
            },
            window_ms,
            scratch: Vec::new(),
        })
    }

    /// Adds a series from its samples (ascending timestamps, all inside the block's range).
    /// Series must be added in label order.
    pub(crate) fn add_samples(&mut self, labels: Labels, t: &[i64], v: &[f64]) -> Result<()> {
        debug_assert_eq!(t.len(), v.len());
        if t.is_empty() {
            return Ok(());
        }
        let mut entries = Vec::new();
        let mut start = 0;
        while start < t.len() {
            let window_end =
                (t[start].div_euclid(self.window_ms) + 1).saturating_mul(self.window_ms);
            let limit = (start + MAX_COLUMN_SAMPLES).min(t.len());
            let end = start + t[start..limit].partition_point(|&x| x < window_end);
            entries.push(self.write_columns(&t[start..end], &v[start..end])?);
            start = end;
        }
        self.push_series(labels, entries, t.len() as u64);
        Ok(())
    }

    /// Adds a series from columns of another block, copied without decoding.
    pub(crate) fn add_columns(
        &mut self,
        labels: Labels,
        columns: &[(i64, i64, &[u8], &[u8])],
    ) -> Result<()> {
        let mut entries = Vec::with_capacity(columns.len());
        let mut samples = 0u64;
        for &(mint, maxt, ts, vals) in columns {
            samples += codec::column::count(ts).map_err(|e| self.codec_err(e))? as u64;
            let ts_ref = self.chunks.write_dedup(ts)?;
            let val_ref = self.chunks.write(vals)?;
            entries.push(ChunkEntry {
                mint,
                maxt,
                ts_ref,
                val_ref,
            });
        }
        self.push_series(labels, entries, samples);
        Ok(())
    }

    fn write_columns(&mut self, t: &[i64], v: &[f64]) -> Result<ChunkEntry> {
        self.scratch.clear();
        codec::column::encode_timestamps(t, &mut self.scratch);
        let ts_ref = self.chunks.write_dedup(&self.scratch)?;
        self.scratch.clear();
        codec::column::encode_values(v, &mut self.scratch);
        let val_ref = self.chunks.write(&self.scratch)?;
        Ok(ChunkEntry {
            mint: t[0],
            maxt: t[t.len() - 1],
            ts_ref,
            val_ref,
        })
    }

    fn push_series(&mut self, labels: Labels, entries: Vec<ChunkEntry>, samples: u64) {
        if entries.is_empty() {
            return;
        }
        debug_assert!(
            self.series.last().is_none_or(|(l, _)| *l < labels),
            "series out of order"
        );
        self.meta.num_series += 1;
        self.meta.num_chunks += entries.len() as u64;
        self.meta.num_samples += samples;
        self.series.push((labels, entries));
    }

    fn codec_err(&self, source: codec::Error) -> Error {
        Error::Codec {
            path: self.tmp.join(BLOCK_CHUNKS),
            offset: 0,
            source,
        }
    }

    /// Number of timestamp columns that were shared instead of written again.
    pub(crate) fn deduplicated_columns(&self) -> u64 {
        self.chunks.deduplicated
    }

    /// Writes index and meta and moves the block into place. Returns `None` (and leaves
    /// nothing behind) when no series had data.
    pub(crate) fn finish(self) -> Result<Option<BlockMeta>> {
        if self.series.is_empty() {
            drop(self.chunks);
            fs::remove_dir_all(&self.tmp).map_err(io_err("remove", &self.tmp))?;
            return Ok(None);
        }
        self.chunks.finish()?;
        write_index(&self.tmp.join(BLOCK_INDEX), &self.series)?;
        let meta_path = self.tmp.join(BLOCK_META);
        fs::write(&meta_path, self.meta.encode()).map_err(io_err("write", &meta_path))?;
        fsync_path(&meta_path)?;
        fsync_path(&self.tmp)?;
        fs::rename(&self.tmp, &self.dir).map_err(io_err("rename", &self.tmp))?;
        if let Some(parent) = self.dir.parent() {
            fsync_path(parent)?;
        }
        Ok(Some(self.meta))
    }

    /// Deletes everything written so far; no block is created.
    pub(crate) fn abandon(self) -> Result<()> {
        drop(self.chunks);
        fs::remove_dir_all(&self.tmp).map_err(io_err("remove", &self.tmp))
    }

    /// The directory the block will have once finished.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }
}

/// fsyncs a file or directory by path.
pub(crate) fn fsync_path(path: &Path) -> Result<()> {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io_err("fsync", path))
}
