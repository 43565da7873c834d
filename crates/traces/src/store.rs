//! The store: WAL, head and segments in one directory, with a maintenance thread.

mod maintain;
mod read;

use crate::FastMap;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;

use model::trace::{ResourceSpans, ScopeSpans, TraceBatch, TraceId};
use parking_lot::{Mutex, RwLock};

use crate::error::{Error, Result, io_err};
use crate::filenames::{LOCK, SEGMENT_EXT, SEGMENTS_DIR, TMP_SUFFIX, WAL_DIR, parse_segment};
use crate::head::{Head, HeadTrace};
use crate::segment::Segment;
use crate::{AppendOutcome, Options, record};
use codec::fields::Writer;

/// Traces moved out of the head and being written to segments; still visible to readers.
pub(crate) type Flushing = Arc<FastMap<TraceId, HeadTrace>>;

/// What readers see besides the head. A flush moves traces from the head into `flushing`
/// and later from `flushing` into `segments`, each time under the write lock, while readers
/// hold the read lock across their whole read, so every span is seen in at least one place.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) segments: Vec<Arc<Segment>>,
    pub(crate) flushing: Vec<Flushing>,
}

/// Shared by the store handle and its maintenance thread.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) dir: PathBuf,
    pub(crate) opts: Options,
    pub(crate) head: Head,
    pub(crate) wal: wal::Wal,
    pub(crate) state: RwLock<State>,
    /// One flush or retention pass at a time.
    pub(crate) maintenance: Mutex<()>,
    pub(crate) next_seq: AtomicU64,
    /// The WAL cut of the last flush and the head's span count per trace at it: the next
    /// flush checkpoints the log up to there.
    pub(crate) last_cut: Mutex<Option<(u64, crate::FastMap<TraceId, usize>)>>,
    /// Flushes done, to rebuild the head catalog now and then.
    pub(crate) flushes: AtomicU64,
    /// Held for the life of the store; keeps other processes out of the directory.
    _lock: File,
}

/// A trace store in a directory. `Store` is `Send + Sync`; share it by reference or `Arc`.
#[derive(Debug)]
pub struct Store {
    inner: Arc<Inner>,
    worker: Option<(Sender<()>, JoinHandle<()>)>,
}

/// Counts describing the store, for self-monitoring.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Spans in the head.
    pub head_spans: u64,
    /// Approximate bytes the head holds.
    pub head_bytes: u64,
    /// Segment files.
    pub segments: usize,
    /// Spans in segments.
    pub segment_spans: u64,
    /// Traces in segments (a trace split over several segments counts in each).
    pub segment_traces: u64,
    /// Bytes of segment files.
    pub segment_bytes: u64,
    /// Bytes of the WAL.
    pub wal_bytes: u64,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`: opens its segments (moving aside any
    /// that fail verification, with an error log), replays the WAL into the head and starts
    /// the maintenance thread if configured.
    pub fn open(dir: impl AsRef<Path>, opts: Options) -> Result<Store> {
        opts.validate()?;
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(io_err("create", &dir))?;
        let lock = lock_dir(&dir)?;
        let (segments, max_seq) = load_segments(&dir.join(SEGMENTS_DIR))?;
        let head = Head::new(opts.tag_values_cap);
        let mut bad_records = 0u64;
        let (wal, stats) =
            wal::Wal::open(
                &dir.join(WAL_DIR),
                opts.wal.clone(),
                |rec| match record::decode(rec) {
                    Ok(batch) => head.insert(&batch),
                    Err(_) => bad_records += 1,
                },
            )?;
        if stats.truncated_bytes > 0 || stats.dropped_segments > 0 || bad_records > 0 {
            tracing::warn!(
                truncated_bytes = stats.truncated_bytes,
                dropped_segments = stats.dropped_segments,
                bad_records,
                "trace WAL replay recovered from a damaged log"
            );
        }
        tracing::info!(
            spans = head.span_count(),
            records = stats.records,
            segments = segments.len(),
            "opened trace store"
        );
        let inner = Arc::new(Inner {
            dir,
            opts,
            head,
            wal,
            state: RwLock::new(State {
                segments,
                flushing: Vec::new(),
            }),
            maintenance: Mutex::new(()),
            next_seq: AtomicU64::new(max_seq + 1),
            last_cut: Mutex::new(None),
            flushes: AtomicU64::new(0),
            _lock: lock,
        });
        let worker = match inner.opts.maintenance_interval {
            None => None,
            Some(every) => {
                let (stop, rx) = mpsc::channel::<()>();
                let target = Arc::clone(&inner);
                let handle = std::thread::Builder::new()
                    .name("traces-maintenance".into())
                    .spawn(move || {
                        while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(every) {
                            if let Err(e) = target.maintain() {
                                tracing::error!(error = %e, "trace maintenance failed");
                            }
                        }
                    })
                    .map_err(io_err("spawn maintenance thread", "traces-maintenance"))?;
                Some((stop, handle))
            }
        };
        Ok(Store { inner, worker })
    }

    /// Appends a batch: spans with an all-zero trace or span id are rejected (OTLP
    /// translation already refuses them; this guards other callers), the rest are written
    /// to the WAL (durable per the sync policy when this returns) and become readable. An
    /// error means nothing of the batch is acknowledged; [`Error::Backpressure`] means the
    /// head is over twice its budget because flushing lags: retry later (HTTP 429, gRPC
    /// `RESOURCE_EXHAUSTED`).
    pub fn append(&self, batch: &TraceBatch) -> Result<AppendOutcome> {
        let mut outcome = AppendOutcome::default();
        let total = batch.span_count() as u64;
        let invalid = batch
            .spans()
            .filter(|(_, _, s)| !s.trace_id.is_valid() || !s.span_id.is_valid())
            .count() as u64;
        let cleaned;
        let batch = if invalid > 0 {
            outcome.rejected = invalid;
            outcome.first_rejection = Some("span with an all-zero trace or span id".into());
            cleaned = without_invalid(batch);
            &cleaned
        } else {
            batch
        };
        outcome.accepted = total - invalid;
        if outcome.accepted == 0 {
            return Ok(outcome);
        }
        let head_bytes = self.inner.head.bytes();
        let limit = self.inner.opts.head_max_bytes.saturating_mul(2);
        if head_bytes > limit {
            return Err(Error::Backpressure { head_bytes, limit });
        }
        let records = encode_records(batch);
        let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
        let _gate = self.inner.head.gate.read();
        self.inner.wal.append(&refs)?;
        self.inner.head.insert(batch);
        Ok(outcome)
    }

    /// Writes every trace in the head to segments now (whatever the flush policy) and
    /// checkpoints the WAL.
    pub fn flush(&self) -> Result<()> {
        self.inner.flush(true)
    }

    /// One maintenance pass now: flushes per the policy, then applies retention.
    pub fn maintain(&self) -> Result<()> {
        self.inner.maintain()
    }

    /// Counts for self-monitoring.
    pub fn stats(&self) -> Stats {
        let st = self.inner.state.read();
        Stats {
            head_spans: self.inner.head.span_count(),
            head_bytes: self.inner.head.bytes() as u64,
            segments: st.segments.len(),
            segment_spans: st.segments.iter().map(|s| s.meta.spans).sum(),
            segment_traces: st.segments.iter().map(|s| s.meta.traces).sum(),
            segment_bytes: st.segments.iter().map(|s| s.size).sum(),
            wal_bytes: self.inner.wal.disk_bytes(),
        }
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Stops the maintenance thread and syncs the WAL. Spans still in the head stay in the
    /// WAL and are replayed at the next open.
    pub fn close(mut self) -> Result<()> {
        self.stop_worker();
        self.inner.wal.sync()?;
        Ok(())
    }

    fn stop_worker(&mut self) {
        if let Some((stop, handle)) = self.worker.take() {
            stop.send(()).ok();
            if handle.join().is_err() {
                tracing::error!("trace maintenance thread panicked");
            }
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.stop_worker();
    }
}

/// WAL records for a batch: one, or one per span if the batch exceeds the record limit.
fn encode_records(batch: &TraceBatch) -> Vec<Vec<u8>> {
    let mut w = Writer::with_capacity(batch.span_count() * 320 + 64);
    record::encode(batch, &mut w);
    if w.len() <= wal::MAX_RECORD_LEN {
        return vec![w.buf];
    }
    let mut out = Vec::new();
    for (rs, ss, s) in batch.spans() {
        let one = TraceBatch {
            resource_spans: vec![ResourceSpans {
                resource: rs.resource.clone(),
                schema_url: rs.schema_url.clone(),
                scope_spans: vec![ScopeSpans {
                    scope: ss.scope.clone(),
                    schema_url: ss.schema_url.clone(),
                    spans: vec![s.clone()],
                }],
            }],
        };
        let mut w = Writer::default();
        record::encode(&one, &mut w);
        out.push(w.buf);
    }
    out
}

fn without_invalid(batch: &TraceBatch) -> TraceBatch {
    let mut out = batch.clone();
    for rs in &mut out.resource_spans {
        for ss in &mut rs.scope_spans {
            ss.spans
                .retain(|s| s.trace_id.is_valid() && s.span_id.is_valid());
        }
        rs.scope_spans.retain(|ss| !ss.spans.is_empty());
    }
    out.resource_spans.retain(|rs| !rs.scope_spans.is_empty());
    out
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
        Err(fs::TryLockError::WouldBlock) => Err(Error::Locked { path }),
        Err(fs::TryLockError::Error(e)) => Err(io_err("lock", &path)(e)),
    }
}

/// Opens every segment, removing unfinished writes and moving aside files that fail
/// verification (`.corrupt`). Returns them sorted by start and the highest sequence number.
fn load_segments(dir: &Path) -> Result<(Vec<Arc<Segment>>, u64)> {
    fs::create_dir_all(dir).map_err(io_err("create", dir))?;
    let mut out = Vec::new();
    let mut max_seq = 0;
    for entry in fs::read_dir(dir).map_err(io_err("list", dir))? {
        let path = entry.map_err(io_err("list", dir))?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if name.ends_with(TMP_SUFFIX) {
            fs::remove_file(&path).map_err(io_err("remove", &path))?;
            continue;
        }
        let Some((_, seq)) = parse_segment(&name) else {
            continue;
        };
        max_seq = max_seq.max(seq);
        match Segment::open(&path) {
            Ok(s) => out.push(Arc::new(s)),
            Err(e) => {
                let aside = path.with_extension(format!("{SEGMENT_EXT}.corrupt"));
                tracing::error!(error = %e, moved_to = %aside.display(),
                    "segment failed verification; moved aside");
                fs::rename(&path, &aside).map_err(io_err("rename", &path))?;
            }
        }
    }
    out.sort_by_key(|s| (s.meta.min_start, s.meta.seq));
    Ok((out, max_seq))
}

impl Inner {
    pub(crate) fn segments_dir(&self) -> PathBuf {
        self.dir.join(SEGMENTS_DIR)
    }

    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq.fetch_add(1, Ordering::Relaxed)
    }
}
