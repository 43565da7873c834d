//! Recovery at open: clean up after interrupted operations, replay the latest checkpoint and
//! the segments after it, and cut the log back to its intact prefix.
//!
//! Replay delivers a prefix of what was written, never a log with a hole: the first damaged
//! frame, unreadable header or missing segment ends it. The file where it stopped is truncated
//! at the last good frame (removed if not even its header is good), every later segment is
//! removed, and all of that is fsynced before `open` returns, so new appends can never end up
//! behind damage that a later replay would stop at.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use crate::error::IoContext;
use crate::filenames::{self, CHECKPOINT_DATA};
use crate::reader::{Scan, Scanner};
use crate::segment::{HEADER_LEN, Kind};
use crate::{Corruption, Result, dir};

/// What [`Wal::open`](crate::Wal::open) found and repaired.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReplayStats {
    /// Index of the checkpoint replayed first (it covers segments `..=checkpoint`), if any.
    pub checkpoint: Option<u64>,
    /// Segment files whose records were replayed, including one cut short by damage.
    pub segments: usize,
    /// Records delivered to the callback, checkpoint included.
    pub records: u64,
    /// Payload bytes delivered to the callback.
    pub bytes: u64,
    /// Bytes cut from the file where replay stopped (its whole length if its header was bad).
    pub truncated_bytes: u64,
    /// Segments after the stopping point that were removed whole.
    pub dropped_segments: usize,
}

/// The state recovery leaves behind, from which the log starts appending.
#[derive(Debug)]
pub(crate) struct Recovered {
    pub(crate) stats: ReplayStats,
    /// The checkpoint still on disk.
    pub(crate) checkpoint: Option<u64>,
    /// First segment still on disk, if any.
    pub(crate) first: Option<u64>,
    /// Index for the new active segment: contiguous with what is kept.
    pub(crate) next: u64,
    /// Bytes of kept segments and checkpoint.
    pub(crate) disk_bytes: u64,
}

/// Where replay stopped.
struct Stop {
    path: PathBuf,
    offset: u64,
    detail: Corruption,
}

/// Runs recovery on `wal_dir`, calling `on_record` for each record replayed.
pub(crate) fn recover(wal_dir: &Path, on_record: &mut dyn FnMut(&[u8])) -> Result<Recovered> {
    let listing = dir::list(wal_dir)?;
    let checkpoint = listing.checkpoints.last().copied();
    let mut changed = false;
    for tmp in &listing.tmp {
        tracing::info!(path = %tmp.display(), "removing unfinished WAL checkpoint");
        dir::remove_tree(tmp)?;
        changed = true;
    }
    // A crash between renaming a checkpoint into place and deleting what it replaced leaves
    // older checkpoints and covered segments behind.
    for &old in listing
        .checkpoints
        .iter()
        .filter(|&&c| Some(c) != checkpoint)
    {
        dir::remove_tree(&wal_dir.join(filenames::checkpoint(old)))?;
        changed = true;
    }
    let covered = listing
        .segments
        .partition_point(|&s| checkpoint.is_some_and(|c| s <= c));
    for &index in &listing.segments[..covered] {
        dir::remove_file(&wal_dir.join(filenames::segment(index)))?;
        changed = true;
    }
    let segments = &listing.segments[covered..];

    let mut stats = ReplayStats {
        checkpoint,
        ..ReplayStats::default()
    };
    let mut scanner = Scanner::new();
    let mut kept_checkpoint = checkpoint;
    let mut stop = None;

    if let Some(through) = checkpoint {
        let cp_dir = wal_dir.join(filenames::checkpoint(through));
        let data = cp_dir.join(CHECKPOINT_DATA);
        if !data.try_exists().at(&data)? {
            stop = Some(Stop {
                path: data,
                offset: 0,
                detail: Corruption::MissingCheckpointData,
            });
            dir::remove_tree(&cp_dir)?;
            kept_checkpoint = None;
        } else {
            let scan = scanner.scan(&data, Kind::Checkpoint, through, None, on_record)?;
            add(&mut stats, &scan);
            if let Some((offset, detail)) = scan.stop {
                stats.truncated_bytes += scan.scanned_len - scan.valid_len;
                if cut(&data, &scan)? {
                    // Without a readable header the checkpoint is worthless; drop it whole.
                    dir::remove_tree(&cp_dir)?;
                    kept_checkpoint = None;
                }
                stop = Some(Stop {
                    path: data,
                    offset,
                    detail,
                });
            }
        }
    }

    let mut kept = Vec::with_capacity(segments.len());
    let mut next_unread = 0;
    if stop.is_none() {
        let mut expected = checkpoint.map(|c| c + 1);
        for &index in segments {
            let path = wal_dir.join(filenames::segment(index));
            if let Some(expected) = expected.filter(|&e| e != index) {
                let detail = Corruption::MissingSegment {
                    expected,
                    found: index,
                };
                stop = Some(Stop {
                    path,
                    offset: 0,
                    detail,
                });
                break;
            }
            expected = Some(index + 1);
            next_unread += 1;
            let scan = scanner.scan(&path, Kind::Segment, index, None, on_record)?;
            add(&mut stats, &scan);
            if let Some((offset, detail)) = scan.stop {
                stats.truncated_bytes += scan.scanned_len - scan.valid_len;
                if !cut(&path, &scan)? {
                    stats.segments += 1;
                    kept.push(index);
                }
                stop = Some(Stop {
                    path,
                    offset,
                    detail,
                });
                break;
            }
            stats.segments += 1;
            kept.push(index);
        }
    }
    // Only non-empty if replay stopped early.
    for &index in &segments[next_unread..] {
        dir::remove_file(&wal_dir.join(filenames::segment(index)))?;
        stats.dropped_segments += 1;
    }
    if let Some(stop) = &stop {
        changed = true;
        report(stop, &stats);
    }
    if changed {
        dir::sync(wal_dir)?;
    }

    let next = match (kept.last(), checkpoint, segments.first()) {
        (Some(&last), _, _) => last + 1,
        (None, Some(through), _) => through + 1,
        (None, None, Some(&first)) => first,
        (None, None, None) => 0,
    };
    let mut disk_bytes = 0;
    for &index in &kept {
        disk_bytes += dir::file_len(&wal_dir.join(filenames::segment(index)))?;
    }
    if let Some(through) = kept_checkpoint {
        disk_bytes += dir::tree_len(&wal_dir.join(filenames::checkpoint(through)))?;
    }
    Ok(Recovered {
        stats,
        checkpoint: kept_checkpoint,
        first: kept.first().copied(),
        next,
        disk_bytes,
    })
}

fn add(stats: &mut ReplayStats, scan: &Scan) {
    stats.records += scan.records;
    stats.bytes += scan.bytes;
}

/// Cuts a damaged file back to its intact prefix and makes that durable. Returns true if the
/// file was removed because not even its header was intact.
fn cut(path: &Path, scan: &Scan) -> Result<bool> {
    if scan.valid_len < HEADER_LEN as u64 {
        dir::remove_file(path)?;
        return Ok(true);
    }
    let file = OpenOptions::new().write(true).open(path).at(path)?;
    file.set_len(scan.valid_len).at(path)?;
    // sync_all, not sync_data: the new length is the point.
    file.sync_all().at(path)?;
    Ok(false)
}

fn report(stop: &Stop, stats: &ReplayStats) {
    let benign = stats.truncated_bytes == 0
        && stats.dropped_segments == 0
        && stop.detail == (Corruption::TruncatedHeader { len: 0 });
    if benign {
        // A crash right after creating a segment leaves it empty; nothing was lost.
        tracing::info!(path = %stop.path.display(), "removed empty WAL segment");
        return;
    }
    tracing::warn!(
        path = %stop.path.display(),
        offset = stop.offset,
        detail = %stop.detail,
        truncated_bytes = stats.truncated_bytes,
        dropped_segments = stats.dropped_segments,
        records_replayed = stats.records,
        "WAL replay stopped at damaged data; the log was cut back to its intact prefix"
    );
}
