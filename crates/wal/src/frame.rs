//! Record framing: `len: u32 LE | crc: u32 LE | payload`, where `crc` is CRC32C over the four
//! length bytes followed by the payload.
//!
//! Covering the length means a damaged length is caught like a damaged payload, and because
//! CRC32C of all-zero input is not zero, a zero-filled region (what a filesystem may expose
//! after a crash) never decodes as a record.

use crate::Corruption;

/// Bytes of frame header before each payload.
pub(crate) const FRAME_HEADER_LEN: usize = 8;

/// Largest accepted payload (64 MiB). A bound keeps a damaged length from requesting a huge
/// buffer on replay; real batches are far smaller.
pub const MAX_RECORD_LEN: usize = 64 << 20;

/// Appends the frame of `payload` to `dst`. The caller has checked `payload.len()` against
/// [`MAX_RECORD_LEN`].
pub(crate) fn encode(payload: &[u8], dst: &mut Vec<u8>) {
    debug_assert!(payload.len() <= MAX_RECORD_LEN);
    let len = u32::try_from(payload.len())
        .unwrap_or(u32::MAX)
        .to_le_bytes();
    let crc = crc32c::crc32c_append(crc32c::crc32c(&len), payload);
    dst.reserve(FRAME_HEADER_LEN + payload.len());
    dst.extend_from_slice(&len);
    dst.extend_from_slice(&crc.to_le_bytes());
    dst.extend_from_slice(payload);
}

/// Bytes `payload` occupies once framed.
pub(crate) fn framed_len(payload: &[u8]) -> usize {
    FRAME_HEADER_LEN + payload.len()
}

/// Result of decoding the front of a byte slice.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decoded<'a> {
    /// A valid record whose frame spans `frame_len` bytes.
    Record {
        /// The record.
        payload: &'a [u8],
        /// Header plus payload.
        frame_len: usize,
    },
    /// The slice ends before the frame does; `needed` bytes would complete it.
    Incomplete {
        /// Total frame bytes needed (`FRAME_HEADER_LEN` if the header itself is cut).
        needed: usize,
    },
    /// The frame is damaged.
    Corrupt(Corruption),
}

/// Decodes the frame at the start of `src`.
pub(crate) fn decode(src: &[u8]) -> Decoded<'_> {
    let Some((header, rest)) = src.split_first_chunk::<FRAME_HEADER_LEN>() else {
        return Decoded::Incomplete {
            needed: FRAME_HEADER_LEN,
        };
    };
    let (len_bytes, crc_bytes) = header.split_at(4);
    let len = u32::from_le_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
    let expected = u32::from_le_bytes([crc_bytes[0], crc_bytes[1], crc_bytes[2], crc_bytes[3]]);
    let payload_len = len as usize;
    if payload_len > MAX_RECORD_LEN {
        return Decoded::Corrupt(Corruption::LengthTooLarge { len });
    }
    let Some(payload) = rest.get(..payload_len) else {
        return Decoded::Incomplete {
            needed: FRAME_HEADER_LEN + payload_len,
        };
    };
    let actual = crc32c::crc32c_append(crc32c::crc32c(len_bytes), payload);
    if actual != expected {
        return Decoded::Corrupt(Corruption::ChecksumMismatch { expected, actual });
    }
    Decoded::Record {
        payload,
        frame_len: FRAME_HEADER_LEN + payload_len,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn decode_all(mut src: &[u8]) -> (Vec<Vec<u8>>, Option<Decoded<'_>>) {
        let mut out = Vec::new();
        while !src.is_empty() {
            match decode(src) {
                Decoded::Record { payload, frame_len } => {
                    out.push(payload.to_vec());
                    src = &src[frame_len..];
                }
                other => return (out, Some(other)),
            }
        }
        (out, None)
    }

    #[test]
    fn empty_and_small_records_round_trip() {
        let records: [&[u8]; 4] = [b"", b"a", b"hello world", &[0u8; 300]];
        let mut buf = Vec::new();
        for r in records {
            encode(r, &mut buf);
        }
        let expected_len: usize = records.iter().map(|r| framed_len(r)).sum();
        assert_eq!(buf.len(), expected_len);
        let (decoded, end) = decode_all(&buf);
        assert!(end.is_none());
        assert_eq!(
            decoded,
            records.iter().map(|r| r.to_vec()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn zeroed_frame_is_corrupt_not_an_empty_record() {
        assert!(matches!(
            decode(&[0u8; 16]),
            Decoded::Corrupt(Corruption::ChecksumMismatch { expected: 0, .. })
        ));
    }

    #[test]
    fn oversized_length_is_rejected_before_reading_payload() {
        let mut buf = (u32::MAX).to_le_bytes().to_vec();
        buf.extend_from_slice(&[0; 4]);
        assert_eq!(
            decode(&buf),
            Decoded::Corrupt(Corruption::LengthTooLarge { len: u32::MAX })
        );
    }

    proptest! {
        #[test]
        fn round_trip(records in proptest::collection::vec(
            proptest::collection::vec(any::<u8>(), 0..2000), 0..20)) {
            let mut buf = Vec::new();
            for r in &records {
                encode(r, &mut buf);
            }
            let (decoded, end) = decode_all(&buf);
            prop_assert!(end.is_none());
            prop_assert_eq!(decoded, records);
        }

        #[test]
        fn any_prefix_cut_is_incomplete(payload in proptest::collection::vec(any::<u8>(), 0..500),
                                        cut in any::<prop::sample::Index>()) {
            let mut buf = Vec::new();
            encode(&payload, &mut buf);
            let cut = cut.index(buf.len());
            let incomplete = matches!(decode(&buf[..cut]), Decoded::Incomplete { .. });
            prop_assert!(incomplete, "cut at {}", cut);
        }

        #[test]
        fn any_single_bit_flip_is_detected(payload in proptest::collection::vec(any::<u8>(), 0..500),
                                           bit in any::<prop::sample::Index>()) {
            let mut buf = Vec::new();
            encode(&payload, &mut buf);
            let bit = bit.index(buf.len() * 8);
            buf[bit / 8] ^= 1 << (bit % 8);
            let decoded = matches!(decode(&buf), Decoded::Record { .. });
            prop_assert!(!decoded, "bit {} flipped", bit);
        }
    }
}
