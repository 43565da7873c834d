//! Codec benchmarks on synthetic but realistic monitoring data.
//!
//! Before the criterion runs, prints for each data kind the bytes per value and the encodings
//! chosen. Every kind is 200 series × 480 samples (one 2 h block at a 15 s interval).
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput};
use otelstore_codec::{column, xor};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const SERIES: usize = 200;
const SAMPLES: usize = 480;
const STEP_MS: i64 = 15_000;

/// Knuth's Poisson sampler; fine for the small means used here.
fn poisson(rng: &mut SmallRng, mean: f64) -> u64 {
    let limit = (-mean).exp();
    let (mut k, mut p) = (0, rng.r#gen::<f64>());
    while p > limit {
        k += 1;
        p *= rng.r#gen::<f64>();
    }
    k
}

/// Scrape timestamps: a per-series phase, and jitter of ±(0..25) ms.
fn timestamps(rng: &mut SmallRng) -> Vec<i64> {
    let phase = rng.gen_range(0..STEP_MS);
    let jitter = rng.gen_range(0..=25);
    (0..SAMPLES as i64)
        .map(|i| 1_700_000_000_000 + phase + i * STEP_MS + rng.gen_range(-jitter..=jitter))
        .collect()
}

/// A counter with Poisson increments and one reset.
fn counter(rng: &mut SmallRng) -> Vec<f64> {
    let mean = [0.2, 2.0, 20.0, 300.0][rng.gen_range(0..4)];
    let reset_at = rng.gen_range(0..SAMPLES);
    let mut c = rng.gen_range(0..1_000_000u64);
    (0..SAMPLES)
        .map(|i| {
            c = if i == reset_at {
                0
            } else {
                c + poisson(rng, mean)
            };
            c as f64
        })
        .collect()
}

/// A gauge random walk with 1 or 2 decimals (temperatures, percentages, load averages).
fn gauge(rng: &mut SmallRng) -> Vec<f64> {
    let p = if rng.r#gen::<bool>() { 10.0 } else { 100.0 };
    let mut m = rng.gen_range(0..10_000i64);
    (0..SAMPLES)
        .map(|_| {
            m = (m + rng.gen_range(-30..=30)).max(0);
            m as f64 / p
        })
        .collect()
}

/// A ratio gauge computed by division (CPU utilisation): full precision, not monotonic.
fn gauge_ratio(rng: &mut SmallRng) -> Vec<f64> {
    let total = rng.gen_range(1_000..100_000u32);
    let mut busy = rng.gen_range(0..total);
    (0..SAMPLES)
        .map(|_| {
            busy = (busy as i64 + rng.gen_range(-500..=500)).clamp(0, i64::from(total)) as u32;
            f64::from(busy) / f64::from(total)
        })
        .collect()
}

/// A byte-count gauge (resident memory): large integers moving in page-sized steps.
fn gauge_bytes(rng: &mut SmallRng) -> Vec<f64> {
    let mut pages = rng.gen_range(10_000..10_000_000i64);
    (0..SAMPLES)
        .map(|_| {
            pages = (pages + rng.gen_range(-200..=200)).max(0);
            (pages * 4096) as f64
        })
        .collect()
}

/// Cumulative histogram buckets: 12 buckets per histogram, lower buckets rarely move.
fn histogram_buckets(rng: &mut SmallRng) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    while out.len() < SERIES {
        let rate = rng.gen_range(0.5..50.0);
        let mut buckets = [0u64; 12];
        let mut cols: Vec<Vec<f64>> = (0..12).map(|_| Vec::with_capacity(SAMPLES)).collect();
        for _ in 0..SAMPLES {
            let n = poisson(rng, rate);
            for _ in 0..n {
                // Observations land in bucket b with a skewed distribution; cumulative counts.
                let b = (rng.r#gen::<f64>().powi(2) * 12.0) as usize;
                buckets[b.min(11)..].iter_mut().for_each(|c| *c += 1);
            }
            for (col, &c) in cols.iter_mut().zip(&buckets) {
                col.push(c as f64);
            }
        }
        out.extend(cols);
    }
    out.truncate(SERIES);
    out
}

/// A histogram `_sum`: accumulated latencies with full float precision.
fn float_sum(rng: &mut SmallRng) -> Vec<f64> {
    let mut s = 0.0;
    (0..SAMPLES)
        .map(|_| {
            for _ in 0..poisson(rng, 5.0) {
                s += -rng.r#gen::<f64>().ln() * 0.05;
            }
            s
        })
        .collect()
}

/// `up`-like constant series.
fn constant(_: &mut SmallRng) -> Vec<f64> {
    vec![1.0; SAMPLES]
}

struct Kind {
    name: &'static str,
    /// Share of series in the basic mix (the data kinds the size target was stated for).
    basic: f64,
    /// Share of series in the extended mix, which adds full-precision ratio and byte gauges.
    extended: f64,
    columns: Vec<Vec<f64>>,
}

fn kinds() -> Vec<Kind> {
    let mut rng = SmallRng::seed_from_u64(42);
    let mut make = |f: fn(&mut SmallRng) -> Vec<f64>| (0..SERIES).map(|_| f(&mut rng)).collect();
    let kind = |name, basic, extended, columns| Kind {
        name,
        basic,
        extended,
        columns,
    };
    vec![
        kind("counter", 0.35, 0.30, make(counter)),
        kind("gauge-decimal", 0.15, 0.10, make(gauge)),
        kind("gauge-ratio", 0.0, 0.05, make(gauge_ratio)),
        kind("gauge-bytes", 0.0, 0.05, make(gauge_bytes)),
        kind("float-sum", 0.05, 0.05, make(float_sum)),
        kind("constant", 0.05, 0.05, make(constant)),
        kind(
            "histogram-bucket",
            0.40,
            0.40,
            histogram_buckets(&mut SmallRng::seed_from_u64(7)),
        ),
    ]
}

fn encode_all(columns: &[Vec<f64>]) -> Vec<Vec<u8>> {
    columns
        .iter()
        .map(|c| {
            let mut buf = Vec::new();
            column::encode_values(c, &mut buf);
            buf
        })
        .collect()
}

fn encodings(encoded: &[Vec<u8>]) -> String {
    let mut names = BTreeMap::new();
    for e in encoded {
        *names
            .entry(column::encoding_name(e).unwrap_or("?"))
            .or_insert(0) += 1;
    }
    names
        .iter()
        .map(|(n, c)| format!("{n}×{c}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn report(kinds: &[Kind], ts: &[Vec<i64>]) {
    println!(
        "\n{:<18} {:>9} {:>9}  encodings",
        "kind", "col B/v", "xor B/v"
    );
    println!("(xor B/v: Prometheus chunks of 120 samples, timestamps included)");
    let (mut basic, mut extended) = (0.0, 0.0);
    for k in kinds {
        let encoded = encode_all(&k.columns);
        let bytes: usize = encoded.iter().map(Vec::len).sum();
        let per_value = bytes as f64 / (k.columns.len() * SAMPLES) as f64;
        basic += per_value * k.basic;
        extended += per_value * k.extended;
        let xor_bytes: usize = k
            .columns
            .iter()
            .zip(ts)
            .map(|(c, t)| xor_chunks(t, c).iter().map(Vec::len).sum::<usize>())
            .sum();
        let xor_per = xor_bytes as f64 / (k.columns.len() * SAMPLES) as f64;
        println!(
            "{:<18} {per_value:>9.3} {xor_per:>9.3}  {}",
            k.name,
            encodings(&encoded)
        );
    }
    let encoded: Vec<Vec<u8>> = ts
        .iter()
        .map(|t| {
            let mut buf = Vec::new();
            column::encode_timestamps(t, &mut buf);
            buf
        })
        .collect();
    let bytes: usize = encoded.iter().map(Vec::len).sum();
    let mut names = BTreeMap::new();
    for e in &encoded {
        *names
            .entry(column::encoding_name(e).unwrap_or("?"))
            .or_insert(0) += 1;
    }
    let ts_per = bytes as f64 / (ts.len() * SAMPLES) as f64;
    println!("{:<18} {ts_per:>9.3} {:>9}  {names:?}", "timestamps", "-");
    // Series scraped together share one (deduplicated) timestamp column.
    for (name, mix) in [("basic", basic), ("extended", extended)] {
        println!(
            "{name} mix: values {mix:.3} B/sample; with one timestamp column per 50 series \
             {:.3} B/sample",
            mix + ts_per / 50.0
        );
    }
    println!();
}

/// Splits a series into Prometheus-sized chunks of 120 samples.
fn xor_chunks(ts: &[i64], vs: &[f64]) -> Vec<Vec<u8>> {
    ts.chunks(120)
        .zip(vs.chunks(120))
        .map(|(t, v)| {
            let mut a = xor::XorAppender::new();
            t.iter().zip(v).for_each(|(&t, &v)| a.append(t, v));
            a.into_bytes()
        })
        .collect()
}

fn bench(c: &mut Criterion, kinds: &[Kind], ts: &[Vec<i64>]) {
    let total = (SERIES * SAMPLES) as u64;
    for k in kinds {
        let mut g = c.benchmark_group(format!("values/{}", k.name));
        g.throughput(Throughput::Elements(total));
        g.bench_function("encode", |b| b.iter(|| encode_all(black_box(&k.columns))));
        let encoded = encode_all(&k.columns);
        let mut out = Vec::with_capacity(SAMPLES);
        g.bench_function("decode", |b| {
            b.iter(|| {
                for e in &encoded {
                    out.clear();
                    column::decode_values(black_box(e), &mut out).unwrap_or_default();
                }
                out.len()
            })
        });
        g.finish();
    }
    let mut g = c.benchmark_group("timestamps");
    g.throughput(Throughput::Elements(total));
    let mut encoded = Vec::new();
    g.bench_function("encode", |b| {
        b.iter(|| {
            encoded.clear();
            for t in ts {
                let mut buf = Vec::new();
                column::encode_timestamps(black_box(t), &mut buf);
                encoded.push(buf);
            }
        })
    });
    let mut out = Vec::with_capacity(SAMPLES);
    g.bench_function("decode", |b| {
        b.iter(|| {
            for e in &encoded {
                out.clear();
                column::decode_timestamps(black_box(e), &mut out).unwrap_or_default();
            }
            out.len()
        })
    });
    g.finish();

    let gauges = &kinds[1].columns; // gauge-decimal
    let mut g = c.benchmark_group("xor-chunk/gauge");
    g.throughput(Throughput::Elements(total));
    g.bench_function("append", |b| {
        b.iter(|| {
            ts.iter()
                .zip(gauges)
                .map(|(t, v)| xor_chunks(t, v).len())
                .sum::<usize>()
        })
    });
    let chunks: Vec<Vec<u8>> = ts
        .iter()
        .zip(gauges)
        .flat_map(|(t, v)| xor_chunks(t, v))
        .collect();
    let (mut tv, mut vv) = (Vec::with_capacity(120), Vec::with_capacity(120));
    g.bench_function("decode", |b| {
        b.iter(|| {
            for ch in &chunks {
                tv.clear();
                vv.clear();
                xor::decode(black_box(ch), &mut tv, &mut vv).unwrap_or_default();
            }
            tv.len()
        })
    });
    g.finish();
}

fn main() {
    let kinds = kinds();
    let mut rng = SmallRng::seed_from_u64(1);
    let ts: Vec<Vec<i64>> = (0..SERIES).map(|_| timestamps(&mut rng)).collect();
    report(&kinds, &ts);
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &kinds, &ts);
    c.final_summary();
}
