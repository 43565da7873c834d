//! Tests for columns: encoding choice and size per data shape, exact round trips, header
//! accessors. Hostile-input tests live in `tests/hostile.rs`, generators in `tests/strategies.rs`.

mod hostile;
mod strategies;

use super::*;
use proptest::prelude::*;
use strategies::{STALE, special_value, timestamp_column, value_column};

/// Encodes, decodes, checks equality; returns the encoded bytes.
pub(super) fn ts_round_trip(src: &[i64]) -> Vec<u8> {
    let mut buf = Vec::new();
    encode_timestamps(src, &mut buf);
    let mut out = vec![-1];
    decode_timestamps(&buf, &mut out).expect("valid timestamp column");
    assert_eq!(out[0], -1, "decode must append");
    assert_eq!(&out[1..], src, "encoding {:?}", encoding_name(&buf));
    assert_eq!(count(&buf).expect("valid header"), src.len());
    buf
}

/// Same for values, comparing bit patterns.
pub(super) fn values_round_trip(src: &[f64]) -> Vec<u8> {
    let mut buf = Vec::new();
    encode_values(src, &mut buf);
    let mut out = vec![1.0];
    decode_values(&buf, &mut out).expect("valid value column");
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(&out[1..]),
        bits(src),
        "encoding {:?}",
        encoding_name(&buf)
    );
    assert_eq!(count(&buf).expect("valid header"), src.len());
    buf
}

fn name(buf: &[u8]) -> &'static str {
    encoding_name(buf).expect("valid header")
}

/// Scrape timestamps: 15 s apart from `phase`, with deterministic jitter in `[-j, j]` ms.
fn scrapes(n: usize, phase: i64, j: i64) -> Vec<i64> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..n as i64)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let jitter = if j == 0 {
                0
            } else {
                (x % (2 * j as u64 + 1)) as i64 - j
            };
            1_700_000_000_000 + phase + i * 15_000 + jitter
        })
        .collect()
}

#[test]
fn empty_columns_round_trip() {
    assert_eq!(ts_round_trip(&[]).len(), 2);
    assert_eq!(values_round_trip(&[]).len(), 2);
}

#[test]
fn regular_scrapes_cost_almost_nothing() {
    // Delta and linear both cost zero bits a value; delta has the shorter header.
    let buf = ts_round_trip(&scrapes(480, 1234, 0));
    assert_eq!(name(&buf), "ts-delta");
    assert!(buf.len() < 20, "{} bytes", buf.len());
}

#[test]
fn jittered_scrapes_cost_log2_of_the_jitter_range() {
    // ±25 ms is 51 distinct residuals: 6 bits a value.
    let buf = ts_round_trip(&scrapes(480, 0, 25));
    assert_eq!(name(&buf), "ts-linear");
    assert!(buf.len() <= 480 * 6 / 8 + 24, "{} bytes", buf.len());
}

#[test]
fn a_missed_scrape_is_an_exception_not_a_shift() {
    let full = scrapes(480, 0, 10);
    let mut gappy = full.clone();
    gappy.drain(100..102);
    let (a, b) = (ts_round_trip(&full).len(), ts_round_trip(&gappy).len());
    assert!(b <= a + 8, "without gap {a} bytes, with gap {b} bytes");
}

#[test]
fn unsorted_and_extreme_timestamps_round_trip() {
    ts_round_trip(&[i64::MAX, i64::MIN, 0, -1, 1, i64::MIN, i64::MAX]);
    ts_round_trip(&[i64::MIN, i64::MAX]);
    ts_round_trip(&[-5]);
    ts_round_trip(&[3, 3, 3, 3]);
    let random: Vec<i64> = scrapes(1000, 0, 1 << 40).into_iter().rev().collect();
    ts_round_trip(&random);
}

#[test]
fn constant_columns_are_one_value() {
    for v in [0.0, -0.0, 1.5, f64::NAN, STALE, f64::NEG_INFINITY] {
        let buf = values_round_trip(&vec![v; 480]);
        assert_eq!(name(&buf), "f-const");
        assert_eq!(buf.len(), 1 + 2 + 8);
    }
}

#[test]
fn counters_with_a_reset_stay_narrow() {
    let mut c = 1_000_000.0;
    let mut counter: Vec<f64> = (0..480u64)
        .map(|i| {
            c += (i * 7 % 5) as f64;
            c
        })
        .collect();
    for (i, v) in counter.iter_mut().enumerate().skip(300) {
        *v = (i - 300) as f64;
    }
    let buf = values_round_trip(&counter);
    assert!(name(&buf).starts_with("f-int-delta"), "{}", name(&buf));
    // 3 bits per increment plus one exception for the reset.
    assert!(buf.len() < 480 * 3 / 8 + 24, "{} bytes", buf.len());
}

#[test]
fn decimal_gauges_use_their_scale() {
    let gauge: Vec<f64> = (0..480)
        .map(|i| (2_000 + (i * 37 % 101)) as f64 / 100.0)
        .collect();
    let buf = values_round_trip(&gauge);
    assert!(name(&buf).starts_with("f-decimal"), "{}", name(&buf));
    assert!(buf.len() < 480, "{} bytes", buf.len());
    let tenths: Vec<f64> = (0..480).map(|i| (i % 13) as f64 / 10.0).collect();
    assert!(name(&values_round_trip(&tenths)).starts_with("f-decimal"));
}

#[test]
fn special_values_are_exceptions_not_a_fallback() {
    let mut gauge: Vec<f64> = (0..480).map(|i| (i % 50) as f64 / 4.0).collect();
    gauge[0] = f64::NAN;
    gauge[10] = STALE;
    gauge[20] = f64::INFINITY;
    gauge[30] = -0.0;
    gauge[40] = f64::MIN_POSITIVE / 3.0;
    gauge[50] = f64::from_bits(0x7ff8_dead_beef_0001);
    gauge[479] = 0.1 + 0.2;
    let buf = values_round_trip(&gauge);
    assert!(name(&buf).starts_with("f-decimal"), "{}", name(&buf));
    assert!(buf.len() < 480 + 7 * 10, "{} bytes", buf.len());
}

#[test]
fn full_precision_floats_use_bit_deltas_xor_or_raw() {
    let mut s = 0.0f64;
    let sums: Vec<f64> = (0..480)
        .map(|i| {
            s += 0.1 * f64::from(i % 17) + std::f64::consts::PI / 1000.0;
            s
        })
        .collect();
    let buf = values_round_trip(&sums);
    assert!(
        ["f-xor", "f-bits-delta"]
            .iter()
            .any(|p| name(&buf).starts_with(p)),
        "{}",
        name(&buf)
    );
    let noise: Vec<f64> = (0..480u64)
        .map(|i| f64::from_bits(i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i << 7)))
        .collect();
    let buf = values_round_trip(&noise);
    assert!(buf.len() <= 8 * 480 + 4, "{} bytes", buf.len());
}

#[test]
fn repetitive_payloads_get_zstd() {
    let palette = [1.234_567_891, 98.765_432_1, 5.555_555_5e-7, 1e300];
    let vals: Vec<f64> = (0..2000).map(|i| palette[(i * i) % 4]).collect();
    let buf = values_round_trip(&vals);
    assert!(name(&buf).ends_with("+zstd"), "{}", name(&buf));
}

#[test]
fn headers_are_checked() {
    let mut buf = Vec::new();
    encode_timestamps(&[1, 2, 3], &mut buf);
    let mut vals = vec![9.0];
    assert!(matches!(
        decode_values(&buf, &mut vals),
        Err(Error::WrongColumnKind { .. })
    ));
    assert_eq!(vals, [9.0]);
    buf.clear();
    encode_values(&[1.0, 2.0], &mut buf);
    let mut ts = Vec::new();
    assert!(matches!(
        decode_timestamps(&buf, &mut ts),
        Err(Error::WrongColumnKind { .. })
    ));
    assert!(matches!(
        count(&[0x7f, 1]),
        Err(Error::UnknownEncoding { tag: 0x7f })
    ));
    assert!(matches!(count(&[]), Err(Error::Truncated { .. })));
    let huge = [0x10, 0x80, 0x80, 0x80, 0x80, 0x01];
    assert!(matches!(count(&huge), Err(Error::TooManyValues { .. })));
}

#[test]
fn trailing_bytes_and_truncation_are_errors() {
    let mut buf = Vec::new();
    encode_values(&[1.5, 2.5, 3.5, 1.0], &mut buf);
    let mut out = vec![0.5];
    let mut long = buf.clone();
    long.push(0);
    assert!(matches!(
        decode_values(&long, &mut out),
        Err(Error::Corrupted { .. })
    ));
    assert!(decode_values(&buf[..buf.len() - 1], &mut out).is_err());
    assert_eq!(out, [0.5], "dst untouched on error");
}

#[test]
fn encoding_names_cover_every_tag() {
    for tag in 0..=u8::MAX {
        if let Some(enc) = Encoding::from_tag(tag) {
            let name = encoding_name(&[tag, 0]).expect("known tag");
            assert_eq!(name.ends_with("+zstd"), tag & ZSTD_FLAG != 0);
            assert_eq!(name.starts_with("ts-"), enc.is_timestamps());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn timestamp_columns_round_trip(src in timestamp_column(600)) {
        ts_round_trip(&src);
    }

    #[test]
    fn value_columns_round_trip(src in value_column(600)) {
        values_round_trip(&src);
    }

    #[test]
    fn any_values_round_trip(src in proptest::collection::vec(special_value(), 0..100)) {
        values_round_trip(&src);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn large_timestamp_columns_round_trip(src in timestamp_column(10_000)) {
        ts_round_trip(&src);
    }

    #[test]
    fn large_value_columns_round_trip(src in value_column(10_000)) {
        values_round_trip(&src);
    }
}
