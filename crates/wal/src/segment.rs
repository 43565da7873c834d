//! The 16-byte header that starts every segment and checkpoint file, and creating such files
//! durably.
//!
//! ```text
//! magic "OSWL" (4) | version u8 | kind u8 | reserved u16 = 0 | index u64 LE
//! ```
//! The index repeats the file name's index (the checkpoint's `through` for checkpoint data), so
//! a file copied or renamed into the wrong place is recognised as foreign.

use std::fs::{File, OpenOptions};
use std::path::Path;

use crate::error::IoContext;
use crate::{Corruption, Result, dir};

/// Bytes of header at the start of each file.
pub(crate) const HEADER_LEN: usize = 16;
/// Magic bytes identifying the format.
pub(crate) const MAGIC: [u8; 4] = *b"OSWL";
/// Format version this build writes and reads.
pub(crate) const VERSION: u8 = 1;

/// What a file holds; written in the header so the two can never be confused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A WAL segment.
    Segment = 0,
    /// The data file of a checkpoint.
    Checkpoint = 1,
}

/// Encodes the header of a file of `kind` with `index`.
pub(crate) fn encode_header(kind: Kind, index: u64) -> [u8; HEADER_LEN] {
    let mut header = [0u8; HEADER_LEN];
    header[..4].copy_from_slice(&MAGIC);
    header[4] = VERSION;
    header[5] = kind as u8;
    header[8..].copy_from_slice(&index.to_le_bytes());
    header
}

/// Validates a header read from a file expected to be of `kind` with `index`.
pub(crate) fn check_header(bytes: &[u8], kind: Kind, index: u64) -> Result<(), Corruption> {
    let Some(header) = bytes.first_chunk::<HEADER_LEN>() else {
        return Err(Corruption::TruncatedHeader {
            len: bytes.len() as u64,
        });
    };
    let magic = [header[0], header[1], header[2], header[3]];
    if magic != MAGIC {
        return Err(Corruption::BadMagic { found: magic });
    }
    if header[4] != VERSION {
        return Err(Corruption::UnsupportedVersion { found: header[4] });
    }
    if header[5] != kind as u8 {
        return Err(Corruption::WrongKind {
            expected: kind as u8,
            found: header[5],
        });
    }
    let mut index_bytes = [0u8; 8];
    index_bytes.copy_from_slice(&header[8..]);
    let found = u64::from_le_bytes(index_bytes);
    if found != index {
        return Err(Corruption::IndexMismatch {
            expected: index,
            found,
        });
    }
    Ok(())
}

/// Creates `path` (which must not exist), writes its header and makes both the header and the
/// directory entry durable, so records later synced into the file can always be found.
pub(crate) fn create(path: &Path, kind: Kind, index: u64) -> Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
        .at(path)?;
    let synced = write_header(&file, path, kind, index)
        .and_then(|()| file.sync_all().at(path))
        .and_then(|()| path.parent().map_or(Ok(()), dir::sync));
    if let Err(e) = synced {
        // Leave no half-made file behind: a retry uses the same name with `create_new`.
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    Ok(file)
}

fn write_header(file: &File, path: &Path, kind: Kind, index: u64) -> Result<()> {
    use std::io::Write;
    let mut writer = file;
    writer.write_all(&encode_header(kind, index)).at(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_rejects_each_field() {
        let header = encode_header(Kind::Segment, 42);
        assert_eq!(check_header(&header, Kind::Segment, 42), Ok(()));
        assert_eq!(
            check_header(&header[..10], Kind::Segment, 42),
            Err(Corruption::TruncatedHeader { len: 10 })
        );
        assert_eq!(
            check_header(&header, Kind::Checkpoint, 42),
            Err(Corruption::WrongKind {
                expected: 1,
                found: 0
            })
        );
        assert_eq!(
            check_header(&header, Kind::Segment, 41),
            Err(Corruption::IndexMismatch {
                expected: 41,
                found: 42
            })
        );
        let mut bad = header;
        bad[4] = 9;
        assert_eq!(
            check_header(&bad, Kind::Segment, 42),
            Err(Corruption::UnsupportedVersion { found: 9 })
        );
        bad[0] = b'X';
        assert!(matches!(
            check_header(&bad, Kind::Segment, 42),
            Err(Corruption::BadMagic { .. })
        ));
    }
}
