//! The crate's error type.
//!
//! Corruption found while opening the log is repaired, not returned: [`Error::Corrupted`] only
//! reaches callers from [`Wal::read_segments`](crate::Wal::read_segments), which reads files that
//! were already validated and so should never find damage unless the disk changed under us.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// What is wrong with a damaged file, carried by [`Error::Corrupted`] and logged by replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Corruption {
    /// The file ends inside its header.
    TruncatedHeader {
        /// Bytes present.
        len: u64,
    },
    /// The header does not start with the log's magic bytes.
    BadMagic {
        /// The four bytes found.
        found: [u8; 4],
    },
    /// The header names a format version this build cannot read.
    UnsupportedVersion {
        /// The version found.
        found: u8,
    },
    /// The header's kind byte is not the one expected (segment vs checkpoint).
    WrongKind {
        /// Kind byte expected.
        expected: u8,
        /// Kind byte found.
        found: u8,
    },
    /// The header names another index than the file name does.
    IndexMismatch {
        /// Index taken from the file name.
        expected: u64,
        /// Index written in the header.
        found: u64,
    },
    /// Fewer bytes remain than a record frame header needs.
    TruncatedFrame {
        /// Bytes remaining in the file.
        remaining: u64,
    },
    /// The frame's length runs past the end of the file: a torn write or a damaged length.
    TruncatedRecord {
        /// Length claimed by the frame.
        len: u32,
        /// Payload bytes actually remaining.
        remaining: u64,
    },
    /// The frame's length is above [`MAX_RECORD_LEN`](crate::MAX_RECORD_LEN).
    LengthTooLarge {
        /// Length claimed by the frame.
        len: u32,
    },
    /// The CRC32C stored in the frame does not match its length and payload.
    ChecksumMismatch {
        /// Checksum stored in the frame.
        expected: u32,
        /// Checksum computed over what was read.
        actual: u32,
    },
    /// A checkpoint directory has no data file.
    MissingCheckpointData,
    /// A segment index is missing between two that exist (or right after the checkpoint).
    MissingSegment {
        /// The index expected next.
        expected: u64,
        /// The index found instead.
        found: u64,
    },
}

impl fmt::Display for Corruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::TruncatedHeader { len } => write!(f, "file ends inside its header ({len} bytes)"),
            Self::BadMagic { found } => write!(f, "bad magic {found:02x?}"),
            Self::UnsupportedVersion { found } => write!(f, "unsupported format version {found}"),
            Self::WrongKind { expected, found } => {
                write!(f, "header kind {found}, expected {expected}")
            }
            Self::IndexMismatch { expected, found } => {
                write!(f, "header names index {found}, file name says {expected}")
            }
            Self::TruncatedFrame { remaining } => {
                write!(f, "torn frame header ({remaining} bytes left)")
            }
            Self::TruncatedRecord { len, remaining } => {
                write!(
                    f,
                    "record of {len} bytes runs past end of file ({remaining} bytes left)"
                )
            }
            Self::LengthTooLarge { len } => write!(f, "record length {len} exceeds the maximum"),
            Self::ChecksumMismatch { expected, actual } => {
                write!(
                    f,
                    "checksum mismatch: stored {expected:#010x}, computed {actual:#010x}"
                )
            }
            Self::MissingCheckpointData => write!(f, "checkpoint directory has no data file"),
            Self::MissingSegment { expected, found } => {
                write!(f, "segment {expected} is missing (next on disk is {found})")
            }
        }
    }
}

/// Errors returned by the log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O operation on `path` failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory being accessed.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A file holds bytes that fail validation.
    #[error("corrupted WAL file {path} at offset {offset}: {detail}")]
    Corrupted {
        /// The damaged file.
        path: PathBuf,
        /// Byte offset of the first bad byte range.
        offset: u64,
        /// What was found.
        detail: Corruption,
    },
    /// A record is longer than [`MAX_RECORD_LEN`](crate::MAX_RECORD_LEN).
    #[error("record of {len} bytes exceeds the maximum of {max}")]
    RecordTooLarge {
        /// Length of the rejected record.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// Another `Wal` (in this or another process) holds the directory's lock file.
    #[error("WAL directory is in use by another writer: {path}")]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// [`Options::segment_size`](crate::Options::segment_size) is below the minimum.
    #[error("segment size {size} is below the minimum of {min} bytes")]
    SegmentSizeTooSmall {
        /// The configured size.
        size: u64,
        /// The minimum.
        min: u64,
    },
    /// [`SyncPolicy::Interval`](crate::SyncPolicy::Interval) was given a zero duration.
    #[error("sync interval must be greater than zero")]
    ZeroSyncInterval,
    /// A checkpoint was requested for segments that are not sealed or not on disk.
    #[error("cannot checkpoint through segment {through}: sealed segments are {first}..{active}")]
    InvalidCheckpoint {
        /// The requested last segment.
        through: u64,
        /// First segment on disk.
        first: u64,
        /// The segment being appended to, which cannot be checkpointed.
        active: u64,
    },
    /// A segment range outside the segments on disk was requested.
    #[error("segments {first}..={last} requested, but {on_disk_first}..={on_disk_last} exist")]
    OutOfRange {
        /// First segment requested.
        first: u64,
        /// Last segment requested.
        last: u64,
        /// First segment on disk.
        on_disk_first: u64,
        /// Last segment on disk.
        on_disk_last: u64,
    },
    /// A write or fsync failed earlier, so what is on disk is unknown; the log must be reopened.
    #[error("WAL segment {segment} failed an earlier write or sync; reopen the log")]
    Poisoned {
        /// The segment that was being written.
        segment: u64,
    },
}

/// `Result` with this crate's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attaches a path to an [`io::Error`], the context every I/O failure carries.
pub(crate) trait IoContext<T> {
    /// Wraps the error as [`Error::Io`] naming `path`.
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|source| Error::Io {
            path: path.into(),
            source,
        })
    }
}
