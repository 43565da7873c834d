//! Writing a checkpoint atomically.
//!
//! A checkpoint is a directory `checkpoint.NNNNNNNN` holding one data file in segment format
//! (header kind = checkpoint, index = `through`). It is built under a `.tmp` name, fsynced
//! (file, then directory), renamed into place and the log directory fsynced, so at any crash
//! point the log holds either the old state or the complete new checkpoint. Leftover `.tmp`
//! directories are removed at open.

use std::fs;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::error::IoContext;
use crate::filenames::{self, CHECKPOINT_DATA};
use crate::segment::{self, HEADER_LEN, Kind};
use crate::{Error, MAX_RECORD_LEN, Result, dir, frame};

/// Buffered bytes per write while streaming records into the checkpoint file.
const WRITE_CHUNK: usize = 1 << 20;

/// Writes checkpoint `through` into `wal_dir` from `records`. Returns the size of its data file.
/// On error the temporary directory is removed and the log is unchanged.
pub(crate) fn write<'a>(
    wal_dir: &Path,
    through: u64,
    records: impl IntoIterator<Item = &'a [u8]>,
) -> Result<u64> {
    let tmp = wal_dir.join(filenames::checkpoint_tmp(through));
    let result = write_tmp(&tmp, through, records);
    let len = match result {
        Ok(len) => len,
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let dest = wal_dir.join(filenames::checkpoint(through));
    if let Err(source) = fs::rename(&tmp, &dest) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(Error::Io { path: dest, source });
    }
    dir::sync(wal_dir)?;
    Ok(len)
}

fn write_tmp<'a>(
    tmp: &Path,
    through: u64,
    records: impl IntoIterator<Item = &'a [u8]>,
) -> Result<u64> {
    if tmp.exists() {
        fs::remove_dir_all(tmp).at(tmp)?;
    }
    fs::create_dir(tmp).at(tmp)?;
    let path = tmp.join(CHECKPOINT_DATA);
    // `create` fsyncs the header and the tmp directory, so after the rename the data file's
    // entry is durable too.
    let file = segment::create(&path, Kind::Checkpoint, through)?;
    let mut offset = HEADER_LEN as u64;
    let mut buf = Vec::with_capacity(WRITE_CHUNK + WRITE_CHUNK / 4);
    for record in records {
        if record.len() > MAX_RECORD_LEN {
            return Err(Error::RecordTooLarge {
                len: record.len(),
                max: MAX_RECORD_LEN,
            });
        }
        frame::encode(record, &mut buf);
        if buf.len() >= WRITE_CHUNK {
            file.write_all_at(&buf, offset).at(&path)?;
            offset += buf.len() as u64;
            buf.clear();
        }
    }
    file.write_all_at(&buf, offset).at(&path)?;
    offset += buf.len() as u64;
    file.sync_all().at(&path)?;
    Ok(offset)
}
