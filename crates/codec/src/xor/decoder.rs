//! Reading XOR chunks: [`decode`] into vectors and the lazy [`XorIter`].

use super::appender::HEADER_LEN;
use super::values::XorDecoder;
use crate::bits::BitReader;
use crate::{Error, Result, varint};

/// Decodes every sample of the chunk `src`, appending to `ts` and `vs`; returns the count.
///
/// On error both vectors are left as they were. Bytes after the last sample are ignored, as in
/// Prometheus (the chunk length comes from its container).
pub fn decode(src: &[u8], ts: &mut Vec<i64>, vs: &mut Vec<f64>) -> Result<usize> {
    let mut it = iter(src)?;
    let n = it.num_samples();
    // Every sample after the first takes at least 2 bits, so a short chunk cannot claim more.
    let plausible = n.min(src.len().saturating_mul(4) + 1);
    ts.reserve(plausible);
    vs.reserve(plausible);
    let (ts_len, vs_len) = (ts.len(), vs.len());
    for _ in 0..n {
        match it.step() {
            Ok((t, v)) => {
                ts.push(t);
                vs.push(v);
            }
            Err(e) => {
                ts.truncate(ts_len);
                vs.truncate(vs_len);
                return Err(e);
            }
        }
    }
    Ok(n)
}

/// A lazy iterator over the samples of `src`. Fails only if the header is missing.
#[expect(
    clippy::big_endian_bytes,
    reason = "Prometheus' chunk header is big-endian"
)]
pub fn iter(src: &[u8]) -> Result<XorIter<'_>> {
    let Some((header, body)) = src.split_first_chunk::<HEADER_LEN>() else {
        return Err(Error::Truncated {
            needed: HEADER_LEN,
            available: src.len(),
        });
    };
    Ok(XorIter {
        r: BitReader::new(body),
        total: u16::from_be_bytes(*header),
        read: 0,
        t: 0,
        t_delta: 0,
        xor: XorDecoder::new(0),
        err: None,
    })
}

/// Iterator over `(timestamp, value)` samples of an XOR chunk.
///
/// Iteration stops at the first malformed sample; [`XorIter::error`] then says why.
#[derive(Debug)]
pub struct XorIter<'a> {
    r: BitReader<'a>,
    total: u16,
    read: u16,
    t: i64,
    t_delta: u64,
    xor: XorDecoder,
    err: Option<Error>,
}

impl XorIter<'_> {
    /// The error that ended iteration early, if any.
    pub fn error(&self) -> Option<&Error> {
        self.err.as_ref()
    }

    /// Consumes the iterator, returning the error that ended it early, if any.
    pub fn into_error(self) -> Option<Error> {
        self.err
    }

    /// Sample count declared by the chunk header.
    pub fn num_samples(&self) -> usize {
        usize::from(self.total)
    }

    #[inline(always)]
    fn step(&mut self) -> Result<(i64, f64)> {
        let read = self.read;
        self.read = self.read.wrapping_add(1);
        match read {
            0 => {
                self.t = varint::unzigzag(self.read_uvarint()?);
                self.xor = XorDecoder::new(self.r.read_bits(64)?);
            }
            1 => {
                self.t_delta = self.read_uvarint()?;
                self.t = self.t.wrapping_add(self.t_delta as i64);
                self.xor.read(&mut self.r)?;
            }
            _ => {
                let dod = self.read_dod()?;
                self.t_delta = self.t_delta.wrapping_add(dod as u64);
                self.t = self.t.wrapping_add(self.t_delta as i64);
                self.xor.read(&mut self.r)?;
            }
        }
        Ok((self.t, f64::from_bits(self.xor.prev)))
    }

    #[inline(always)]
    fn read_dod(&mut self) -> Result<i64> {
        // One peek covers the bucket prefix and a payload of up to 20 bits.
        let p = self.r.peek(24);
        let ones = (!(p << 40)).leading_zeros().min(4);
        let (used, width) = match ones {
            0 => {
                self.r.consume(1)?;
                return Ok(0);
            }
            1 => (16, 14),
            2 => (20, 17),
            3 => (24, 20),
            _ => {
                self.r.consume(4)?;
                return Ok(self.r.read_bits(64)? as i64);
            }
        };
        self.r.consume(used)?;
        let bits = (p >> (24 - used)) & ((1 << width) - 1);
        // Values above 2^(width-1) are negative (see `bitRange`).
        let signed = if bits > 1 << (width - 1) {
            bits as i64 - (1i64 << width)
        } else {
            bits as i64
        };
        Ok(signed)
    }

    fn read_uvarint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for i in 0..varint::MAX_LEN {
            let b = self.r.read_byte()?;
            if i == varint::MAX_LEN - 1 && b > 1 {
                break;
            }
            v |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(Error::VarintOverflow {
            offset: HEADER_LEN + self.r.bit_position() / 8,
        })
    }
}

impl Iterator for XorIter<'_> {
    type Item = (i64, f64);

    #[inline]
    fn next(&mut self) -> Option<(i64, f64)> {
        if self.read >= self.total || self.err.is_some() {
            return None;
        }
        match self.step() {
            Ok(sample) => Some(sample),
            Err(e) => {
                self.err = Some(e);
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = if self.err.is_some() {
            0
        } else {
            usize::from(self.total - self.read)
        };
        (0, Some(left))
    }
}
