//! WAL record payloads: what the engine logs before it acknowledges an append.
//!
//! The WAL frames and checksums records; this module gives their bodies meaning. Layouts are
//! in `docs/format/wal-records.md`. Series are logged once, when created, with the reference
//! later sample records use; samples are logged as (reference, timestamp, value bits) with
//! references and timestamps delta-coded against the first sample of the record.

use codec::varint::{put_uvarint, put_varint, uvarint, varint};
use model::{Label, Labels};

/// A series reference: stable for the life of the series in the head.
pub(crate) type SeriesRef = u32;

const TYPE_SERIES: u8 = 1;
const TYPE_SAMPLES: u8 = 2;
const TYPE_DELETE: u8 = 3;

/// A decoded record.
#[derive(Debug, PartialEq)]
pub(crate) enum Record {
    /// New series with their references.
    Series(Vec<(SeriesRef, Labels)>),
    /// Samples as (reference, timestamp, value).
    Samples(Vec<(SeriesRef, i64, f64)>),
    /// Deleted ranges as (reference, first, last timestamp), inclusive.
    Delete(Vec<(SeriesRef, i64, i64)>),
}

/// Why a record body cannot be decoded.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RecordError {
    #[error("unknown record type {0}")]
    UnknownType(u8),
    #[error("truncated record")]
    Truncated,
    #[error("invalid labels in series record: {0}")]
    Labels(#[from] model::InvalidLabels),
    #[error("label is not UTF-8")]
    Utf8,
}

/// Appends a series record for `series` to `dst`.
pub(crate) fn encode_series<'a>(
    dst: &mut Vec<u8>,
    series: impl ExactSizeIterator<Item = (SeriesRef, &'a Labels)>,
) {
    dst.push(TYPE_SERIES);
    put_uvarint(dst, series.len() as u64);
    for (r, labels) in series {
        put_uvarint(dst, u64::from(r));
        put_uvarint(dst, labels.len() as u64);
        for l in labels {
            put_uvarint(dst, l.name.len() as u64);
            dst.extend_from_slice(l.name.as_bytes());
            put_uvarint(dst, l.value.len() as u64);
            dst.extend_from_slice(l.value.as_bytes());
        }
    }
}

/// Appends a deletion record for `ranges` (reference, first, last timestamp) to `dst`.
pub(crate) fn encode_delete(dst: &mut Vec<u8>, ranges: &[(SeriesRef, i64, i64)]) {
    dst.push(TYPE_DELETE);
    put_uvarint(dst, ranges.len() as u64);
    for &(r, lo, hi) in ranges {
        put_uvarint(dst, u64::from(r));
        put_varint(dst, lo);
        put_varint(dst, hi);
    }
}

/// Builds a samples record incrementally, so the append path never allocates per sample.
#[derive(Debug, Default)]
pub(crate) struct SamplesEncoder {
    buf: Vec<u8>,
    count: usize,
    first: Option<(SeriesRef, i64)>,
}

impl SamplesEncoder {
    pub(crate) fn push(&mut self, r: SeriesRef, t: i64, v: f64) {
        match self.first {
            None => {
                self.first = Some((r, t));
                put_uvarint(&mut self.buf, u64::from(r));
                put_varint(&mut self.buf, t);
            }
            Some((r0, t0)) => {
                put_varint(&mut self.buf, i64::from(r) - i64::from(r0));
                put_varint(&mut self.buf, t.wrapping_sub(t0));
            }
        }
        self.buf.extend_from_slice(&v.to_bits().to_le_bytes());
        self.count += 1;
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Writes the finished record into `dst` and resets the encoder.
    pub(crate) fn finish_into(&mut self, dst: &mut Vec<u8>) {
        dst.push(TYPE_SAMPLES);
        put_uvarint(dst, self.count as u64);
        dst.extend_from_slice(&self.buf);
        self.buf.clear();
        self.count = 0;
        self.first = None;
    }
}

/// Decodes one record body.
pub(crate) fn decode(src: &[u8]) -> Result<Record, RecordError> {
    let (&kind, mut rest) = src.split_first().ok_or(RecordError::Truncated)?;
    match kind {
        TYPE_SERIES => {
            let n = take_uvarint(&mut rest)?;
            let mut out = Vec::with_capacity(bounded(n, rest.len()));
            for _ in 0..n {
                let r = ref_from(take_uvarint(&mut rest)?)?;
                let nl = take_uvarint(&mut rest)?;
                let mut pairs = Vec::with_capacity(bounded(nl, rest.len()));
                for _ in 0..nl {
                    let name = take_str(&mut rest)?;
                    let value = take_str(&mut rest)?;
                    pairs.push(Label::new(name, value));
                }
                out.push((r, Labels::new(pairs)?));
            }
            Ok(Record::Series(out))
        }
        TYPE_SAMPLES => {
            let n = take_uvarint(&mut rest)?;
            let mut out = Vec::with_capacity(bounded(n, rest.len() / 9));
            if n == 0 {
                return Ok(Record::Samples(out));
            }
            let r0 = ref_from(take_uvarint(&mut rest)?)?;
            let t0 = take_varint(&mut rest)?;
            out.push((r0, t0, take_f64(&mut rest)?));
            for _ in 1..n {
                let dr = take_varint(&mut rest)?;
                let dt = take_varint(&mut rest)?;
                let r = ref_from((i64::from(r0) + dr) as u64)?;
                out.push((r, t0.wrapping_add(dt), take_f64(&mut rest)?));
            }
            Ok(Record::Samples(out))
        }
        TYPE_DELETE => {
            let n = take_uvarint(&mut rest)?;
            let mut out = Vec::with_capacity(bounded(n, rest.len() / 3));
            for _ in 0..n {
                let r = ref_from(take_uvarint(&mut rest)?)?;
                out.push((r, take_varint(&mut rest)?, take_varint(&mut rest)?));
            }
            Ok(Record::Delete(out))
        }
        other => Err(RecordError::UnknownType(other)),
    }
}

/// Caps a count read from a record by what the remaining bytes could hold, so a corrupt count
/// cannot trigger a huge allocation.
fn bounded(n: u64, remaining: usize) -> usize {
    (n as usize).min(remaining)
}

fn ref_from(v: u64) -> Result<SeriesRef, RecordError> {
    SeriesRef::try_from(v).map_err(|_| RecordError::Truncated)
}

fn take_uvarint(src: &mut &[u8]) -> Result<u64, RecordError> {
    let (v, n) = uvarint(src).map_err(|_| RecordError::Truncated)?;
    *src = &src[n..];
    Ok(v)
}

fn take_varint(src: &mut &[u8]) -> Result<i64, RecordError> {
    let (v, n) = varint(src).map_err(|_| RecordError::Truncated)?;
    *src = &src[n..];
    Ok(v)
}

fn take_f64(src: &mut &[u8]) -> Result<f64, RecordError> {
    let (head, rest) = src.split_first_chunk::<8>().ok_or(RecordError::Truncated)?;
    *src = rest;
    Ok(f64::from_bits(u64::from_le_bytes(*head)))
}

fn take_str(src: &mut &[u8]) -> Result<String, RecordError> {
    let len = take_uvarint(src)? as usize;
    if len > src.len() {
        return Err(RecordError::Truncated);
    }
    let (s, rest) = src.split_at(len);
    *src = rest;
    String::from_utf8(s.to_vec()).map_err(|_| RecordError::Utf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_and_samples_round_trip() {
        let a = Labels::from_pairs([("__name__", "up"), ("job", "x")]).expect("labels");
        let mut buf = Vec::new();
        encode_series(&mut buf, [(7, &a)].into_iter());
        assert_eq!(decode(&buf).expect("decode"), Record::Series(vec![(7, a)]));

        let mut enc = SamplesEncoder::default();
        enc.push(5, 1000, 1.5);
        enc.push(3, -20, f64::from_bits(0x7ff0_0000_0000_0002));
        enc.push(9, i64::MAX, -0.0);
        let mut buf = Vec::new();
        enc.finish_into(&mut buf);
        let Record::Samples(got) = decode(&buf).expect("decode") else {
            panic!("not samples")
        };
        assert_eq!(got.len(), 3);
        assert_eq!((got[1].0, got[1].1), (3, -20));
        assert_eq!(got[1].2.to_bits(), 0x7ff0_0000_0000_0002);
        assert_eq!(
            (got[2].1, got[2].2.to_bits()),
            (i64::MAX, (-0.0f64).to_bits())
        );
        assert!(enc.is_empty());
    }

    #[test]
    fn truncated_records_are_errors() {
        let mut enc = SamplesEncoder::default();
        enc.push(1, 2, 3.0);
        enc.push(2, 4, 5.0);
        let mut buf = Vec::new();
        enc.finish_into(&mut buf);
        for cut in 0..buf.len() {
            assert!(decode(&buf[..cut]).is_err(), "cut at {cut}");
        }
        assert!(matches!(decode(&[99]), Err(RecordError::UnknownType(99))));
        let mut buf = Vec::new();
        encode_delete(&mut buf, &[(4, -10, 20)]);
        assert_eq!(
            decode(&buf).expect("decode"),
            Record::Delete(vec![(4, -10, 20)])
        );
    }
}
