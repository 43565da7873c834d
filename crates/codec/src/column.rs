//! Self-describing timestamp and value columns, the block storage format.
//!
//! A column is `tag u8 | count uvarint | payload` (layouts in `docs/format/column.md`). The low 7
//! bits of the tag name the encoding; bit 7 says the payload is zstd-compressed, framed as
//! `raw length uvarint | zstd frame`. There is no global codec setting: the encoder builds every
//! applicable candidate, keeps the smallest (tantivy's codec estimator, VictoriaMetrics'
//! per-block `MarshalType`), then keeps a zstd version of it only when that saves more than 10%
//! and 16 bytes.
//!
//! Decoders check every field and reject trailing bytes. A column holds at most [`MAX_VALUES`]
//! values, which bounds what a hostile header can make a decoder allocate (a constant column
//! legitimately expands 10 bytes into `count` values).

mod decimal;
mod timestamps;
mod values;

use std::cell::RefCell;
use std::io::Read;

use crate::cursor::Cursor;
use crate::varint::{put_uvarint, uvarint_len};
use crate::{Error, Result};

/// Most values one column may hold.
pub const MAX_VALUES: usize = 1 << 24;

/// Tag bit marking a zstd-compressed payload.
const ZSTD_FLAG: u8 = 0x80;
/// zstd level tried on the chosen payload.
const ZSTD_LEVEL: i32 = 3;
/// Payloads shorter than this are never worth a zstd frame header.
const ZSTD_MIN_INPUT: usize = 64;

/// Encoding tags (the low 7 bits of a column's first byte).
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    TsDelta = 0x01,
    TsDeltaOfDelta = 0x02,
    TsLinear = 0x03,
    TsFor = 0x04,
    FConst = 0x10,
    FRaw = 0x11,
    FXor = 0x12,
    FIntFor = 0x13,
    FIntDelta = 0x14,
    FDecimalFor = 0x15,
    FDecimalDelta = 0x16,
    FBitsDelta = 0x17,
}

impl Encoding {
    fn from_tag(tag: u8) -> Option<Self> {
        use Encoding::*;
        Some(match tag & !ZSTD_FLAG {
            0x01 => TsDelta,
            0x02 => TsDeltaOfDelta,
            0x03 => TsLinear,
            0x04 => TsFor,
            0x10 => FConst,
            0x11 => FRaw,
            0x12 => FXor,
            0x13 => FIntFor,
            0x14 => FIntDelta,
            0x15 => FDecimalFor,
            0x16 => FDecimalDelta,
            0x17 => FBitsDelta,
            _ => return None,
        })
    }

    fn is_timestamps(self) -> bool {
        (self as u8) < 0x10
    }

    /// Stable names for statistics; `+zstd` marks a compressed payload.
    fn name(self, zstd: bool) -> &'static str {
        use Encoding::*;
        match (self, zstd) {
            (TsDelta, false) => "ts-delta",
            (TsDelta, true) => "ts-delta+zstd",
            (TsDeltaOfDelta, false) => "ts-dod",
            (TsDeltaOfDelta, true) => "ts-dod+zstd",
            (TsLinear, false) => "ts-linear",
            (TsLinear, true) => "ts-linear+zstd",
            (TsFor, false) => "ts-for",
            (TsFor, true) => "ts-for+zstd",
            (FConst, false) => "f-const",
            (FConst, true) => "f-const+zstd",
            (FRaw, false) => "f-raw",
            (FRaw, true) => "f-raw+zstd",
            (FXor, false) => "f-xor",
            (FXor, true) => "f-xor+zstd",
            (FIntFor, false) => "f-int-for",
            (FIntFor, true) => "f-int-for+zstd",
            (FIntDelta, false) => "f-int-delta",
            (FIntDelta, true) => "f-int-delta+zstd",
            (FDecimalFor, false) => "f-decimal-for",
            (FDecimalFor, true) => "f-decimal-for+zstd",
            (FDecimalDelta, false) => "f-decimal-delta",
            (FDecimalDelta, true) => "f-decimal-delta+zstd",
            (FBitsDelta, false) => "f-bits-delta",
            (FBitsDelta, true) => "f-bits-delta+zstd",
        }
    }
}

/// Encodes a column of timestamps (typically strictly ascending; any `i64` round-trips).
///
/// # Panics
///
/// If `src` holds more than [`MAX_VALUES`] values.
pub fn encode_timestamps(src: &[i64], dst: &mut Vec<u8>) {
    assert!(
        src.len() <= MAX_VALUES,
        "column of {} values exceeds MAX_VALUES",
        src.len()
    );
    timestamps::encode(src, dst);
}

/// Decodes a timestamp column, appending to `dst`; on error `dst` is left unchanged.
pub fn decode_timestamps(src: &[u8], dst: &mut Vec<i64>) -> Result<()> {
    let header = Header::parse(src)?;
    if !header.enc.is_timestamps() {
        return Err(header.wrong_kind("timestamp"));
    }
    let mut storage = Vec::new();
    let mut cur = header.payload(src, &mut storage)?;
    let start = dst.len();
    let res =
        timestamps::decode(header.enc, header.count, &mut cur, dst).and_then(|()| cur.finish());
    if res.is_err() {
        dst.truncate(start);
    }
    res
}

/// Encodes a column of `f64` values; every bit pattern round-trips exactly (NaN payloads, the
/// Prometheus stale marker, infinities, `-0.0`, subnormals).
///
/// # Panics
///
/// If `src` holds more than [`MAX_VALUES`] values.
pub fn encode_values(src: &[f64], dst: &mut Vec<u8>) {
    assert!(
        src.len() <= MAX_VALUES,
        "column of {} values exceeds MAX_VALUES",
        src.len()
    );
    values::encode(src, dst);
}

/// Decodes a value column, appending to `dst`; on error `dst` is left unchanged.
pub fn decode_values(src: &[u8], dst: &mut Vec<f64>) -> Result<()> {
    let header = Header::parse(src)?;
    if header.enc.is_timestamps() {
        return Err(header.wrong_kind("value"));
    }
    let mut storage = Vec::new();
    let mut cur = header.payload(src, &mut storage)?;
    let start = dst.len();
    let res = values::decode(header.enc, header.count, &mut cur, dst).and_then(|()| cur.finish());
    if res.is_err() {
        dst.truncate(start);
    }
    res
}

/// Number of values in a column, read from the header only.
pub fn count(src: &[u8]) -> Result<usize> {
    Header::parse(src).map(|h| h.count)
}

/// Name of a column's encoding, e.g. `"ts-linear"` or `"f-decimal-delta+zstd"`, for statistics.
pub fn encoding_name(src: &[u8]) -> Result<&'static str> {
    Header::parse(src).map(|h| h.enc.name(h.zstd))
}

/// The parsed `tag | count` prefix.
#[derive(Debug)]
struct Header {
    enc: Encoding,
    zstd: bool,
    count: usize,
    len: usize,
}

impl Header {
    fn parse(src: &[u8]) -> Result<Self> {
        let mut cur = Cursor::new(src);
        let tag = cur.u8()?;
        let enc = Encoding::from_tag(tag).ok_or(Error::UnknownEncoding { tag })?;
        let count = cur.uvarint()?;
        if count > MAX_VALUES as u64 {
            return Err(Error::TooManyValues {
                count,
                max: MAX_VALUES,
            });
        }
        Ok(Header {
            enc,
            zstd: tag & ZSTD_FLAG != 0,
            count: count as usize,
            len: cur.pos(),
        })
    }

    fn wrong_kind(&self, expected: &'static str) -> Error {
        Error::WrongColumnKind {
            name: self.enc.name(self.zstd),
            expected,
        }
    }

    /// A cursor over the (decompressed) payload.
    fn payload<'a>(&self, src: &'a [u8], storage: &'a mut Vec<u8>) -> Result<Cursor<'a>> {
        let mut cur = Cursor::new(src);
        cur.bytes(self.len)?;
        if !self.zstd {
            return Ok(cur);
        }
        // Encoders only compress payloads no larger than the raw encoding (8 bytes a value).
        let raw_len = cur.bounded(8 * self.count + 32, "zstd payload larger than raw")?;
        let offset = cur.pos();
        let failed = |source| Error::ZstdFailed { offset, source };
        let mut dec = zstd::stream::read::Decoder::with_buffer(cur.rest()).map_err(failed)?;
        // Bound the decoder's window by the declared size, not by what the frame asks for.
        let window_log = usize::BITS - raw_len.max(1 << 10).leading_zeros();
        dec.window_log_max(window_log).map_err(failed)?;
        dec.take(raw_len as u64 + 1)
            .read_to_end(storage)
            .map_err(failed)?;
        if storage.len() != raw_len {
            return Err(Error::Corrupted {
                detail: "zstd payload length mismatch",
                offset,
            });
        }
        Ok(Cursor::new(storage))
    }
}

/// Keeps the smallest of several candidate payloads.
#[derive(Debug, Default)]
struct Candidates {
    best: Option<Encoding>,
    best_buf: Vec<u8>,
    scratch: Vec<u8>,
}

impl Candidates {
    fn offer(&mut self, enc: Encoding, build: impl FnOnce(&mut Vec<u8>)) {
        self.scratch.clear();
        build(&mut self.scratch);
        if self.best.is_none() || self.scratch.len() < self.best_buf.len() {
            std::mem::swap(&mut self.scratch, &mut self.best_buf);
            self.best = Some(enc);
        }
    }

    /// Size of the best payload so far.
    fn best_len(&self) -> usize {
        if self.best.is_some() {
            self.best_buf.len()
        } else {
            usize::MAX
        }
    }

    fn write(self, count: usize, dst: &mut Vec<u8>) {
        if let Some(enc) = self.best {
            write_column(enc, count, &self.best_buf, dst);
        }
    }
}

/// Writes a column, zstd-compressing the payload when that pays off.
fn write_column(enc: Encoding, count: usize, payload: &[u8], dst: &mut Vec<u8>) {
    if let Some(z) = compress(payload) {
        dst.push(enc as u8 | ZSTD_FLAG);
        put_uvarint(dst, count as u64);
        put_uvarint(dst, payload.len() as u64);
        dst.extend_from_slice(&z);
        return;
    }
    dst.push(enc as u8);
    put_uvarint(dst, count as u64);
    dst.extend_from_slice(payload);
}

/// The zstd frame for `payload`, if it saves more than 10% and 16 bytes.
fn compress(payload: &[u8]) -> Option<Vec<u8>> {
    if payload.len() < ZSTD_MIN_INPUT {
        return None;
    }
    thread_local! {
        // Creating a zstd context costs more than compressing a typical column: reuse one.
        static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> =
            const { RefCell::new(None) };
    }
    let z = COMPRESSOR.with_borrow_mut(|slot| {
        if slot.is_none() {
            *slot = zstd::bulk::Compressor::new(ZSTD_LEVEL).ok();
        }
        slot.as_mut()?.compress(payload).ok()
    })?;
    let framed = uvarint_len(payload.len() as u64) + z.len();
    (framed + 16 < payload.len() && framed * 10 < payload.len() * 9).then_some(z)
}

#[cfg(test)]
mod tests;
