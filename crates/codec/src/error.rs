//! The crate's error type.
//!
//! Every decoder reports malformed input through [`Error`]; none of them panics. Offsets are byte
//! offsets into the slice handed to the decoder (for zstd-compressed column payloads: into the
//! decompressed payload).

/// Why decoding failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input ended before a field was complete.
    #[error("input truncated: needed {needed} bytes, {available} available")]
    Truncated {
        /// Bytes the field needs from its start.
        needed: usize,
        /// Bytes left in the input at the field's start.
        available: usize,
    },
    /// A varint is longer than 10 bytes or overflows 64 bits.
    #[error("varint at offset {offset} overflows 64 bits")]
    VarintOverflow {
        /// Offset of the varint's first byte.
        offset: usize,
    },
    /// The leading encoding byte names no known encoding.
    #[error("unknown encoding tag {tag:#04x}")]
    UnknownEncoding {
        /// The tag byte as read.
        tag: u8,
    },
    /// The encoding is known but belongs to the other column kind (timestamps vs values).
    #[error("encoding {name} is not a {expected} column")]
    WrongColumnKind {
        /// Name of the encoding found.
        name: &'static str,
        /// The column kind the caller asked to decode.
        expected: &'static str,
    },
    /// A column header claims more values than [`crate::column::MAX_VALUES`].
    #[error("column claims {count} values, at most {max} allowed")]
    TooManyValues {
        /// Count read from the header.
        count: u64,
        /// The limit.
        max: usize,
    },
    /// A field holds a value no encoder writes (bad bit width, exception out of range, trailing
    /// bytes, ...).
    #[error("corrupted data at offset {offset}: {detail}")]
    Corrupted {
        /// What is wrong.
        detail: &'static str,
        /// Offset of the offending field.
        offset: usize,
    },
    /// A zstd-compressed payload could not be decompressed.
    #[error("zstd decompression failed at offset {offset}")]
    ZstdFailed {
        /// Offset of the zstd frame.
        offset: usize,
        /// The error reported by zstd.
        #[source]
        source: std::io::Error,
    },
}

/// Result with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
