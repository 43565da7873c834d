//! The database: WAL, head and blocks in one directory, with a maintenance thread.

mod delete;
mod maintenance;
mod snapshot;
mod stats;

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;

use parking_lot::{Mutex, RwLock};

pub use self::stats::{HeadStats, TsdbStats};
use crate::block::Block;
use crate::block::meta::BlockMeta;
use crate::error::{Error, Result, io_err};
use crate::exemplars::{ExemplarOutcome, ExemplarStore};
use crate::filenames::{
    BLOCKS_DIR, DELETING_SUFFIX, EXEMPLARS_DIR, HEAD_CHUNKS_DIR, LOCK, METADATA, TMP_SUFFIX,
    WAL_DIR,
};
use crate::head::replay::ReplayState;
use crate::head::{Head, HeadOptions};
use crate::metadata::MetadataStore;
use crate::querier::DbQuerier;
use crate::{AppendOutcome, Options, SeriesSamples};

/// State shared by the database handle, its queriers and its maintenance thread.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) dir: PathBuf,
    pub(crate) opts: Options,
    pub(crate) head: Head,
    pub(crate) wal: wal::Wal,
    /// Open blocks sorted by start time. A head cut publishes its block and truncates the head
    /// while holding this for writing, so a reader sees the data in exactly one place.
    pub(crate) blocks: RwLock<Vec<Arc<Block>>>,
    /// Exemplars, kept as long as the metrics.
    pub(crate) exemplars: ExemplarStore,
    /// Metric families' type, unit and help.
    pub(crate) metadata: MetadataStore,
    /// One maintenance pass at a time.
    pub(crate) maintenance: Mutex<()>,
    /// Held for the life of the database; keeps other processes out of the directory.
    _lock: File,
}

/// A metrics database in a directory.
#[derive(Debug)]
pub struct Db {
    inner: Arc<Inner>,
    worker: Option<(Sender<()>, JoinHandle<()>)>,
}

impl Db {
    /// Opens (creating if needed) the database in `dir`: loads blocks, replays the WAL into
    /// the head, and starts the maintenance thread if configured.
    pub fn open(dir: impl AsRef<Path>, opts: Options) -> Result<Db> {
        opts.validate()?;
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(io_err("create", &dir))?;
        let lock = lock_dir(&dir)?;
        let blocks = load_blocks(&dir.join(BLOCKS_DIR))?;
        let min_valid = blocks
            .iter()
            .map(|b| b.meta.max_time)
            .max()
            .unwrap_or(i64::MIN);
        let head = Head::new(
            HeadOptions {
                block_ms: opts.block_ms(),
                ooo_window_ms: opts.ooo_window_ms(),
                chunk_samples: opts.head_chunk_samples,
            },
            &dir.join(HEAD_CHUNKS_DIR),
            min_valid,
        )?;
        let mut state = ReplayState::default();
        let mut replay_err = None;
        let (wal, stats) = wal::Wal::open(&dir.join(WAL_DIR), opts.wal.clone(), |rec| {
            if replay_err.is_none()
                && let Err(e) = head.replay_record(rec, &mut state)
            {
                replay_err = Some(e);
            }
        })?;
        if let Some(e) = replay_err {
            return Err(e);
        }
        head.finish_replay();
        if stats.truncated_bytes > 0 || stats.dropped_segments > 0 || state.unknown_refs > 0 {
            tracing::warn!(
                truncated_bytes = stats.truncated_bytes,
                dropped_segments = stats.dropped_segments,
                unknown_series_samples = state.unknown_refs,
                "WAL replay recovered from a damaged log"
            );
        }
        tracing::info!(
            series = state.series,
            samples = state.samples,
            records = stats.records,
            blocks = blocks.len(),
            "opened metrics database"
        );
        let exemplars = ExemplarStore::open(&dir.join(EXEMPLARS_DIR), opts.block_ms())?;
        let metadata = MetadataStore::open(&dir.join(METADATA))?;
        let inner = Arc::new(Inner {
            exemplars,
            metadata,
            dir,
            opts,
            head,
            wal,
            blocks: RwLock::new(blocks),
            maintenance: Mutex::new(()),
            _lock: lock,
        });
        let worker = inner.opts.maintenance_interval.map(|every| {
            let (stop, rx) = mpsc::channel::<()>();
            let inner = Arc::clone(&inner);
            let handle = std::thread::Builder::new()
                .name("tsdb-maintenance".into())
                .spawn(move || {
                    // Runs until the handle sends a stop message or is dropped.
                    while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(every) {
                        if let Err(e) = inner.maintain() {
                            tracing::error!(error = %e, "tsdb maintenance failed");
                        }
                    }
                })
                .map_err(io_err("spawn maintenance thread", "tsdb-maintenance"));
            handle.map(|h| (stop, h))
        });
        let worker = worker.transpose()?;
        Ok(Db { inner, worker })
    }

    /// Appends a batch. Returns per-sample counts; an error means nothing of the batch is
    /// acknowledged (the WAL could not be written).
    pub fn append(&self, batch: &[SeriesSamples]) -> Result<AppendOutcome> {
        let wal = &self.inner.wal;
        self.inner
            .head
            .append(batch, &|rec| wal.append(&[rec]).map_err(Error::from))
    }

    /// Stores exemplars (they survive a process crash once this returns; they are fsynced on
    /// every maintenance pass and at close).
    pub fn append_exemplars(&self, batch: &[model::SeriesExemplars]) -> Result<ExemplarOutcome> {
        self.inner.exemplars.append(batch)
    }

    /// Records metric families' metadata not seen before.
    pub fn update_metadata(&self, entries: &[model::MetricMetadata]) -> Result<()> {
        self.inner.metadata.update(entries)
    }

    /// Metadata by family name: only `metric` if given, at most `limit` families and
    /// `limit_per_metric` entries per family.
    pub fn metadata(
        &self,
        metric: Option<&str>,
        limit: Option<usize>,
        limit_per_metric: Option<usize>,
    ) -> std::collections::BTreeMap<String, Vec<model::MetricMetadata>> {
        self.inner.metadata.get(metric, limit, limit_per_metric)
    }

    /// A read handle implementing [`model::Querier`].
    pub fn querier(&self) -> DbQuerier {
        DbQuerier {
            inner: Arc::clone(&self.inner),
        }
    }

    /// Runs one maintenance pass now: cuts the head into blocks when it spans more than 1.5
    /// block durations, compacts, applies retention, checkpoints the WAL.
    pub fn maintain(&self) -> Result<()> {
        self.inner.maintain()
    }

    /// Persists every complete block-duration window of head data that ends at or before `t`
    /// and drops it from the head; samples before that point are refused from then on.
    pub fn persist_head_before(&self, t: i64) -> Result<()> {
        self.inner.persist_head_before(t)
    }

    /// Metadata of every block, oldest first.
    pub fn blocks(&self) -> Vec<BlockMeta> {
        self.inner
            .blocks
            .read()
            .iter()
            .map(|b| b.meta.clone())
            .collect()
    }

    /// How long WAL fsyncs have taken.
    pub fn wal_sync_stats(&self) -> wal::SyncStats {
        self.inner.wal.sync_stats()
    }

    /// Bytes the database takes on disk: blocks, WAL and head chunk files.
    pub fn disk_bytes(&self) -> u64 {
        self.inner.disk_bytes()
    }

    /// The database directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Syncs the WAL and stops the maintenance thread.
    pub fn close(mut self) -> Result<()> {
        self.stop_worker();
        self.inner.wal.sync()?;
        self.inner.exemplars.sync()?;
        self.inner.metadata.sync()?;
        Ok(())
    }

    fn stop_worker(&mut self) {
        if let Some((stop, handle)) = self.worker.take() {
            stop.send(()).ok();
            if handle.join().is_err() {
                tracing::error!("tsdb maintenance thread panicked");
            }
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        self.stop_worker();
    }
}

impl Inner {
    pub(crate) fn blocks_dir(&self) -> PathBuf {
        self.dir.join(BLOCKS_DIR)
    }

    pub(crate) fn disk_bytes(&self) -> u64 {
        let blocks: u64 = self.blocks.read().iter().map(|b| b.size).sum();
        blocks + self.wal.disk_bytes() + self.head.chunks.disk_bytes() + self.exemplars.disk_bytes()
    }
}

fn lock_dir(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_err("open", &path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked { path }),
        Err(std::fs::TryLockError::Error(e)) => Err(io_err("lock", &path)(e)),
    }
}

/// Opens every block, removing leftovers of interrupted writes, deletions and compactions.
fn load_blocks(dir: &Path) -> Result<Vec<Arc<Block>>> {
    fs::create_dir_all(dir).map_err(io_err("create", dir))?;
    let mut blocks = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err("list", dir))? {
        let path = entry.map_err(io_err("list", dir))?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name.ends_with(TMP_SUFFIX) || name.ends_with(DELETING_SUFFIX) {
            fs::remove_dir_all(&path).map_err(io_err("remove", &path))?;
            continue;
        }
        if path.is_dir() {
            blocks.push(Block::open(&path)?);
        }
    }
    // A compaction that crashed after writing its output but before deleting its inputs
    // leaves both; the output lists the inputs as parents.
    let parents: std::collections::HashSet<String> = blocks
        .iter()
        .flat_map(|b| b.meta.parents.iter().cloned())
        .collect();
    let mut kept = Vec::new();
    for b in blocks {
        if parents.contains(&b.meta.id) {
            tracing::info!(block = %b.meta.id, "removing block already compacted into another");
            let dir = b.dir.clone();
            drop(b);
            fs::remove_dir_all(&dir).map_err(io_err("remove", &dir))?;
        } else {
            kept.push(Arc::new(b));
        }
    }
    kept.sort_by_key(|b| (b.meta.min_time, b.meta.max_time));
    Ok(kept)
}
