//! Sequential reading of a segment or checkpoint file: validate the header, then hand out each
//! intact record until the end of the file or the first damaged frame.
//!
//! Records are handed out as slices of one large read buffer, so replay costs a `read(2)` per
//! megabyte and a CRC per record, with no per-record copy or allocation.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::error::IoContext;
use crate::frame::{self, Decoded, FRAME_HEADER_LEN};
use crate::segment::{self, HEADER_LEN, Kind};
use crate::{Corruption, Result};

/// Bytes requested per `read(2)`; large enough to amortise syscalls, small enough to stay in L2
/// alongside the records being decoded.
const READ_CHUNK: usize = 1 << 20;

/// Outcome of scanning one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scan {
    /// Records handed out.
    pub(crate) records: u64,
    /// Payload bytes handed out.
    pub(crate) bytes: u64,
    /// Length of the intact prefix: header plus every good frame. Zero if the header is bad.
    pub(crate) valid_len: u64,
    /// Bytes the scan was allowed to look at (file length, or the limit given).
    pub(crate) scanned_len: u64,
    /// Where and why scanning stopped before `scanned_len`, if it did.
    pub(crate) stop: Option<(u64, Corruption)>,
}

/// Reads files sequentially, reusing one buffer across files.
#[derive(Debug)]
pub(crate) struct Scanner {
    buf: Vec<u8>,
}

impl Scanner {
    /// A scanner with an empty buffer; it grows on first use.
    pub(crate) fn new() -> Self {
        Self { buf: Vec::new() }
    }

    /// Scans `path`, expected to be a `kind` file numbered `index`, calling `on_record` for each
    /// intact record. Only the first `limit` bytes are read when a limit is given (the active
    /// segment may be growing). Damage is reported in [`Scan::stop`]; only I/O fails.
    pub(crate) fn scan(
        &mut self,
        path: &Path,
        kind: Kind,
        index: u64,
        limit: Option<u64>,
        on_record: &mut dyn FnMut(&[u8]),
    ) -> Result<Scan> {
        let file = File::open(path).at(path)?;
        let file_len = file.metadata().at(path)?.len();
        let scanned_len = limit.map_or(file_len, |l| l.min(file_len));
        if self.buf.len() < READ_CHUNK {
            self.buf.resize(READ_CHUNK, 0);
        }
        let mut input = Input {
            src: file.take(scanned_len),
            buf: &mut self.buf,
            start: 0,
            end: 0,
        };
        let mut scan = Scan {
            records: 0,
            bytes: 0,
            valid_len: 0,
            scanned_len,
            stop: None,
        };

        input.fill(HEADER_LEN).at(path)?;
        if let Err(corruption) = segment::check_header(input.available(), kind, index) {
            scan.stop = Some((0, corruption));
            return Ok(scan);
        }
        input.start += HEADER_LEN;
        let mut offset = HEADER_LEN as u64;

        loop {
            match frame::decode(input.available()) {
                Decoded::Record { payload, frame_len } => {
                    on_record(payload);
                    scan.records += 1;
                    scan.bytes += payload.len() as u64;
                    input.start += frame_len;
                    offset += frame_len as u64;
                }
                Decoded::Incomplete { needed } => {
                    if input.fill(needed).at(path)? {
                        continue;
                    }
                    // End of input: clean if nothing is left, torn otherwise.
                    let rest = input.available();
                    let remaining = rest.len() as u64;
                    if rest.len() >= FRAME_HEADER_LEN {
                        let len = (needed - FRAME_HEADER_LEN) as u32;
                        let payload_left = remaining - FRAME_HEADER_LEN as u64;
                        scan.stop = Some((
                            offset,
                            Corruption::TruncatedRecord {
                                len,
                                remaining: payload_left,
                            },
                        ));
                    } else if !rest.is_empty() {
                        scan.stop = Some((offset, Corruption::TruncatedFrame { remaining }));
                    }
                    break;
                }
                Decoded::Corrupt(corruption) => {
                    scan.stop = Some((offset, corruption));
                    break;
                }
            }
        }
        scan.valid_len = offset;
        Ok(scan)
    }
}

/// A read buffer over a bounded reader; `buf[start..end]` holds unconsumed bytes.
struct Input<'a, R> {
    src: R,
    buf: &'a mut Vec<u8>,
    start: usize,
    end: usize,
}

impl<R: Read> Input<'_, R> {
    fn available(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Reads until at least `needed` unconsumed bytes are buffered. Returns false if the input
    /// ended first; whatever was there is still available.
    fn fill(&mut self, needed: usize) -> io::Result<bool> {
        if self.end - self.start >= needed {
            return Ok(true);
        }
        if needed > self.buf.len() {
            // A record larger than the buffer; the frame decoder bounds `needed`.
            self.buf.resize(needed.div_ceil(READ_CHUNK) * READ_CHUNK, 0);
        }
        if self.start + needed > self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        while self.end - self.start < needed {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => return Ok(false),
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }
}
