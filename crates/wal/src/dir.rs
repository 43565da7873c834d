//! Directory-level operations: listing what the log owns, the lock file, and making creations
//! and removals durable with a directory fsync.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use crate::error::IoContext;
use crate::filenames::{self, Entry};
use crate::{Error, Result};

/// What the log owns in its directory, sorted by index.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// Segment indices, ascending.
    pub(crate) segments: Vec<u64>,
    /// Finished checkpoints, ascending.
    pub(crate) checkpoints: Vec<u64>,
    /// Unfinished checkpoint directories.
    pub(crate) tmp: Vec<PathBuf>,
}

/// Lists `dir`, ignoring entries the log did not create.
pub(crate) fn list(dir: &Path) -> Result<Listing> {
    let mut listing = Listing::default();
    for entry in fs::read_dir(dir).at(dir)? {
        let entry = entry.at(dir)?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        match filenames::parse(name) {
            Entry::Segment(index) => listing.segments.push(index),
            Entry::Checkpoint(index) => listing.checkpoints.push(index),
            Entry::CheckpointTmp(_) => listing.tmp.push(entry.path()),
            Entry::Other => {}
        }
    }
    listing.segments.sort_unstable();
    listing.checkpoints.sort_unstable();
    Ok(listing)
}

/// fsyncs a directory so that entries created, renamed or removed in it are durable.
pub(crate) fn sync(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).at(dir)
}

/// Creates `dir` if needed (fsyncing its parent when it is new) and takes its lock file.
pub(crate) fn create_and_lock(dir: &Path) -> Result<File> {
    if !dir.is_dir() {
        fs::create_dir_all(dir).at(dir)?;
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync(parent)?;
        }
    }
    let path = dir.join(filenames::LOCK);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path);
    let file = file.at(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(Error::Locked { path }),
        Err(fs::TryLockError::Error(source)) => Err(Error::Io { path, source }),
    }
}

/// Size of a file, or 0 if it does not exist.
pub(crate) fn file_len(path: &Path) -> Result<u64> {
    match fs::metadata(path) {
        Ok(meta) => Ok(meta.len()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(source) => Err(Error::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Total size of the regular files directly inside `dir`.
pub(crate) fn tree_len(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in fs::read_dir(dir).at(dir)? {
        let entry = entry.at(dir)?;
        let meta = entry.metadata().at(entry.path())?;
        if meta.is_file() {
            total += meta.len();
        }
    }
    Ok(total)
}

/// Removes a file, returning its size; a file already gone counts as removed.
pub(crate) fn remove_file(path: &Path) -> Result<u64> {
    let len = file_len(path)?;
    match fs::remove_file(path) {
        Ok(()) => Ok(len),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(source) => Err(Error::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Removes a directory tree, returning the size of the files it held.
pub(crate) fn remove_tree(path: &Path) -> Result<u64> {
    let len = match tree_len(path) {
        Ok(len) => len,
        Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    fs::remove_dir_all(path).at(path)?;
    Ok(len)
}
