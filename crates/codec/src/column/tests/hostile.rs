//! Decoders must return `Ok` or `Err` on any input, never panic or allocate without bound.

use super::strategies::{timestamp_column, value_column};
use super::*;

/// Runs every column decoder on `bytes`; re-encodes whatever decodes and checks it again.
fn poke(bytes: &[u8]) {
    let _ = count(bytes);
    let _ = encoding_name(bytes);
    let mut ts = Vec::new();
    if decode_timestamps(bytes, &mut ts).is_ok() {
        assert_eq!(Some(ts.len()), count(bytes).ok());
        ts_round_trip(&ts);
    }
    let mut vs = Vec::new();
    if decode_values(bytes, &mut vs).is_ok() {
        assert_eq!(Some(vs.len()), count(bytes).ok());
        values_round_trip(&vs);
    }
}

#[test]
fn a_header_claiming_max_values_with_no_payload_is_an_error() {
    let mut bytes = vec![0x01];
    crate::varint::put_uvarint(&mut bytes, MAX_VALUES as u64);
    let mut ts = Vec::new();
    assert!(decode_timestamps(&bytes, &mut ts).is_err());
    bytes[0] = 0x12;
    let mut vs = Vec::new();
    assert!(decode_values(&bytes, &mut vs).is_err());
}

#[test]
fn a_zstd_frame_bigger_than_declared_is_an_error() {
    let payload = vec![0u8; 4096];
    let z = zstd::bulk::compress(&payload, 3).expect("compresses");
    let mut bytes = vec![0x11 | ZSTD_FLAG, 4];
    crate::varint::put_uvarint(&mut bytes, 32);
    bytes.extend_from_slice(&z);
    let mut vs = Vec::new();
    assert!(decode_values(&bytes, &mut vs).is_err());
}

#[test]
fn every_tag_with_garbage_payloads_is_handled() {
    for tag in 0..=u8::MAX {
        for n in [0u8, 1, 2, 63, 64, 65, 127] {
            let mut bytes = vec![tag, n];
            poke(&bytes);
            for fill in [0x00, 0xff, 0x40, 0x81] {
                bytes.push(fill);
                poke(&bytes);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        poke(&bytes);
    }

    #[test]
    fn random_payloads_behind_valid_tags_never_panic(
        tag in prop_oneof![0x01u8..=0x04, 0x10u8..=0x16, 0x81u8..=0x84, 0x90u8..=0x96],
        n in 0u8..200,
        rest in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut bytes = vec![tag, n & 0x7f];
        bytes.extend_from_slice(&rest);
        poke(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn damaged_timestamp_columns_never_panic(
        src in timestamp_column(300),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        mask in 1u8..,
    ) {
        let mut bytes = Vec::new();
        encode_timestamps(&src, &mut bytes);
        poke(&bytes[..cut.index(bytes.len())]);
        let i = flip.index(bytes.len());
        bytes[i] ^= mask;
        poke(&bytes);
    }

    #[test]
    fn damaged_value_columns_never_panic(
        src in value_column(300),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        mask in 1u8..,
    ) {
        let mut bytes = Vec::new();
        encode_values(&src, &mut bytes);
        poke(&bytes[..cut.index(bytes.len())]);
        let i = flip.index(bytes.len());
        bytes[i] ^= mask;
        poke(&bytes);
    }
}
