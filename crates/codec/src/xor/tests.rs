//! Tests for the XOR chunk: layout, round trips, memory behaviour and hostile input.

use super::*;
use crate::Error;
use proptest::prelude::*;

fn chunk(samples: &[(i64, f64)]) -> XorAppender {
    let mut a = XorAppender::new();
    for &(t, v) in samples {
        a.append(t, v);
    }
    a
}

fn decoded(bytes: &[u8]) -> Vec<(i64, u64)> {
    let (mut ts, mut vs) = (Vec::new(), Vec::new());
    let n = decode(bytes, &mut ts, &mut vs).expect("valid chunk");
    assert_eq!(n, ts.len());
    ts.into_iter().zip(vs.iter().map(|v| v.to_bits())).collect()
}

fn as_bits(samples: &[(i64, f64)]) -> Vec<(i64, u64)> {
    samples.iter().map(|&(t, v)| (t, v.to_bits())).collect()
}

#[test]
fn layout_matches_prometheus_byte_for_byte() {
    // Hand-assembled from the Prometheus layout: count, varint t0, raw v0, uvarint delta, then
    // `0` (same value), `0` (dod 0), `11 00001 001011 <11 bits>` (new window for 1.0 -> 2.0),
    // `10 <14 bits = 10>` (dod 10), `0` (same value), zero padding.
    let a = chunk(&[(1000, 1.0), (2000, 1.0), (3000, 2.0), (4010, 2.0)]);
    let expected = [
        0x00, 0x04, 0xd0, 0x0f, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xe8, 0x07, 0x30, 0x97, 0xff, 0xe0,
        0x02, 0x80,
    ];
    assert_eq!(a.bytes(), expected);
}

#[test]
fn empty_chunk_is_a_bare_header() {
    let a = XorAppender::new();
    assert_eq!(a.bytes(), [0, 0]);
    assert_eq!(a.num_samples(), 0);
    assert_eq!((a.first_t(), a.last_t(), a.last_v()), (None, None, None));
    assert_eq!(a.heap_bytes(), 0);
    assert!(decoded(a.bytes()).is_empty());
    assert_eq!(a.into_bytes(), [0, 0]);
}

#[test]
fn accessors_track_appends() {
    let a = chunk(&[(-5, 1.5), (10, f64::NAN), (20, 3.0)]);
    assert_eq!(a.num_samples(), 3);
    assert_eq!(a.first_t(), Some(-5));
    assert_eq!(a.last_t(), Some(20));
    assert_eq!(a.last_v(), Some(3.0));
}

#[test]
fn bytes_are_a_valid_chunk_after_every_append() {
    let samples: Vec<(i64, f64)> = (0..300)
        .map(|i| {
            (
                1_700_000_000_000 + i * 15_000 + (i % 7) * 3,
                (i * i) as f64 / 8.0,
            )
        })
        .collect();
    let mut a = XorAppender::new();
    for (i, &(t, v)) in samples.iter().enumerate() {
        a.append(t, v);
        assert_eq!(decoded(a.bytes()), as_bits(&samples[..=i]));
    }
    assert_eq!(decoded(&a.into_bytes()), as_bits(&samples));
}

#[test]
fn every_dod_bucket_edge_round_trips() {
    let mut samples = vec![(0, 0.0), (1000, 0.0)];
    let mut t = 1000i64;
    let mut delta = 1000i64;
    for dod in [
        0,
        1,
        -1,
        8192,
        -8191,
        8193,
        -8192,
        65536,
        -65535,
        65537,
        524288,
        -524287,
        524289,
        1 << 40,
        0,
    ] {
        delta += dod;
        t += delta;
        samples.push((t, dod as f64));
    }
    assert_eq!(decoded(chunk(&samples).bytes()), as_bits(&samples));
}

#[test]
fn extreme_timestamps_round_trip_by_wrapping() {
    let samples = [
        (i64::MIN, 1.0),
        (-1, 2.0),
        (i64::MAX, 3.0),
        (i64::MIN, -0.0),
        (0, f64::INFINITY),
    ];
    assert_eq!(decoded(chunk(&samples).bytes()), as_bits(&samples));
}

#[test]
fn appender_stays_small_and_grows_gently() {
    assert!(
        std::mem::size_of::<XorAppender>() <= 64,
        "{}",
        std::mem::size_of::<XorAppender>()
    );
    let mut a = XorAppender::new();
    for i in 0..120 {
        a.append(1_700_000_000_000 + i * 15_000, 42.0);
    }
    // 18 bytes for the first two samples, then 2 bits each: 48 bytes. Capacity grows by 1.5x
    // from 32, never to a large power of two.
    assert_eq!(a.bytes().len(), 48);
    assert!(a.heap_bytes() <= 72, "{}", a.heap_bytes());
}

#[test]
fn iterator_matches_decode_and_reports_errors() {
    let a = chunk(&[(1, 1.0), (2, 2.0), (4, 3.5)]);
    let it = iter(a.bytes()).expect("header present");
    assert_eq!(it.num_samples(), 3);
    let got: Vec<(i64, u64)> = it.map(|(t, v)| (t, v.to_bits())).collect();
    assert_eq!(got, decoded(a.bytes()));

    let cut = &a.bytes()[..a.bytes().len() - 2];
    let mut it = iter(cut).expect("header present");
    assert!(it.by_ref().count() < 3);
    assert!(matches!(it.error(), Some(Error::Truncated { .. })));
    let (mut ts, mut vs) = (vec![7], vec![7.0]);
    assert!(decode(cut, &mut ts, &mut vs).is_err());
    assert_eq!((ts, vs), (vec![7], vec![7.0]), "vectors untouched on error");
    assert!(matches!(
        iter(&[1]),
        Err(Error::Truncated {
            needed: 2,
            available: 1
        })
    ));
}

#[test]
fn oversized_xor_window_is_corruption_not_a_panic() {
    // One sample header claims 2 samples; the second has leading=31 and sigbits=63.
    let mut a = chunk(&[(0, 1.0)]).into_bytes();
    a[1] = 2;
    a.extend_from_slice(&[0x01, 0b1111_1111, 0b1111_1100, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let (mut ts, mut vs) = (Vec::new(), Vec::new());
    assert!(matches!(
        decode(&a, &mut ts, &mut vs),
        Err(Error::Corrupted { .. })
    ));
}

fn special_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        any::<u64>().prop_map(f64::from_bits),
        Just(f64::from_bits(0x7ff0_0000_0000_0002)),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        Just(f64::MIN_POSITIVE / 4.0),
        (0i64..1000).prop_map(|i| i as f64 / 10.0),
    ]
}

proptest! {
    #[test]
    fn sorted_samples_round_trip(
        start in any::<i64>(),
        steps in proptest::collection::vec(
            prop_oneof![Just(15_000i64), 14_990i64..15_010, 1i64..1 << 40], 0..500),
        values in proptest::collection::vec(special_value(), 500),
    ) {
        let mut t = start;
        let samples: Vec<(i64, f64)> = steps.iter().zip(&values).map(|(&s, &v)| {
            t = t.wrapping_add(s);
            (t, v)
        }).collect();
        prop_assert_eq!(decoded(chunk(&samples).bytes()), as_bits(&samples));
    }

    #[test]
    fn arbitrary_samples_round_trip(
        samples in proptest::collection::vec((any::<i64>(), special_value()), 0..300)
    ) {
        prop_assert_eq!(decoded(chunk(&samples).bytes()), as_bits(&samples));
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let (mut ts, mut vs) = (Vec::new(), Vec::new());
        let _ = decode(&bytes, &mut ts, &mut vs);
        if let Ok(it) = iter(&bytes) {
            let _ = it.count();
        }
    }

    #[test]
    fn truncated_and_mutated_chunks_never_panic(
        samples in proptest::collection::vec((any::<i64>(), special_value()), 1..100),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        mask in 1u8..,
    ) {
        let bytes = chunk(&samples).into_bytes();
        let (mut ts, mut vs) = (Vec::new(), Vec::new());
        let _ = decode(&bytes[..cut.index(bytes.len())], &mut ts, &mut vs);
        let mut bad = bytes.clone();
        let i = flip.index(bad.len());
        bad[i] ^= mask;
        let _ = decode(&bad, &mut ts, &mut vs);
    }
}
