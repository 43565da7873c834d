//! Errors of the trace store.

use std::path::PathBuf;

/// Everything the store can fail with. Bad *input* is not an error: appends report rejected
/// spans in [`crate::AppendOutcome`]. These are failures of the disk, of the files on it, or of
/// the caller's configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O call failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The write-ahead log failed.
    #[error("write-ahead log: {0}")]
    Wal(#[from] wal::Error),
    /// A file does not start with the expected magic number.
    #[error("{path}: not a {kind} file (magic {found:#010x}, expected {expected:#010x})")]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// What the file should have been.
        kind: &'static str,
        /// Expected magic.
        expected: u32,
        /// Magic found.
        found: u32,
    },
    /// A file has a format version this build cannot read.
    #[error("{path}: unsupported format version {version}")]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The version found.
        version: u8,
    },
    /// A checksum does not match the data it covers.
    #[error(
        "{path}: checksum mismatch in {section} (stored {stored:#010x}, computed {computed:#010x})"
    )]
    ChecksumMismatch {
        /// The file.
        path: PathBuf,
        /// The part of the file the checksum covers.
        section: &'static str,
        /// Checksum stored in the file.
        stored: u32,
        /// Checksum of the bytes read.
        computed: u32,
    },
    /// A file's structure is inconsistent.
    #[error("{path}: corrupted at offset {offset}: {detail}")]
    Corrupted {
        /// The file.
        path: PathBuf,
        /// Byte offset of the problem (within the section named in `detail`).
        offset: u64,
        /// What is wrong.
        detail: String,
    },
    /// A WAL record could not be decoded (the log's own framing was intact).
    #[error("WAL record corrupted at offset {offset}: {detail}")]
    BadRecord {
        /// Offset within the record.
        offset: usize,
        /// What is wrong.
        detail: &'static str,
    },
    /// An option is out of range.
    #[error("invalid option {option}: {detail}")]
    InvalidOptions {
        /// The option's field name.
        option: &'static str,
        /// Why it is invalid.
        detail: String,
    },
    /// Another process holds the data directory.
    #[error("data directory {path} is locked by another process")]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// The head holds more than twice [`crate::Options::head_max_bytes`]: flushing cannot keep
    /// up with ingest. Nothing was written; retry later.
    #[error("trace head is full ({head_bytes} bytes, limit {limit}); retry later")]
    Backpressure {
        /// Bytes the head holds.
        head_bytes: usize,
        /// The limit.
        limit: usize,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Wraps an I/O error with the operation and path.
pub(crate) fn io_err(
    op: &'static str,
    path: impl Into<PathBuf>,
) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { op, path, source }
}
