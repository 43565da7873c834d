//! PromQL range-query throughput over a real tsdb: 10,000 series x 24 h at 15 s (57.6 M
//! samples) persisted into blocks, queried over the full day at a 60 s step.
//!
//! Series: `x_total` counters (10 jobs x 500 instances) and an `h_bucket` classic histogram
//! family (12 `le` values x 417 instances), 10,004 series in all. Each query runs 5 times,
//! single-threaded; the median wall time and samples read from storage per second are printed.
//!
//! Run: `cargo bench -p otelstore-promql --bench promql`.
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::time::{Duration, Instant};

use model::{Labels, Sample, SeriesSamples};
use otelstore_promql::{Engine, EngineOptions};
use tsdb::{Db, Options, SyncPolicy, WalOptions};

const STEP: i64 = 15_000;
const DAY: i64 = 24 * 3600 * 1000;
/// A 2h-aligned start.
const T0: i64 = 1_700_006_400_000;
const LES: [&str; 12] = [
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
];

struct Series {
    labels: Labels,
    value: f64,
    /// Increment per scrape; for buckets, the share of observations at or below `le`.
    rate: f64,
}

fn series() -> Vec<Series> {
    let mut out = Vec::new();
    for job in 0..10 {
        for inst in 0..500 {
            let labels = Labels::from_pairs([
                ("__name__", "x_total".to_string()),
                ("job", format!("job-{job}")),
                ("instance", format!("10.0.{job}.{inst}:9100")),
            ])
            .unwrap();
            out.push(Series {
                labels,
                value: 0.0,
                rate: 1.0 + (inst % 7) as f64,
            });
        }
    }
    for inst in 0..417 {
        for (i, le) in LES.iter().enumerate() {
            let labels = Labels::from_pairs([
                ("__name__", "h_bucket".to_string()),
                ("job", format!("job-{}", inst % 10)),
                ("instance", format!("10.1.0.{inst}:9100")),
                ("le", le.to_string()),
            ])
            .unwrap();
            let share = (i + 1) as f64 / LES.len() as f64;
            out.push(Series {
                labels,
                value: 0.0,
                rate: (10.0 * share).round(),
            });
        }
    }
    out
}

fn generate(db: &Db, hours: i64) -> usize {
    let mut all = series();
    let mut total = 0;
    // Append an hour at a time, every series per batch, timestamps in order.
    for hour in 0..hours {
        let mut batch = Vec::with_capacity(all.len());
        for (k, s) in all.iter_mut().enumerate() {
            let mut samples = Vec::with_capacity(240);
            for i in 0..240 {
                let t = T0 + hour * 3_600_000 + i * STEP;
                // A counter reset now and then.
                if (t / STEP + k as i64) % 20_000 == 0 {
                    s.value = 0.0;
                }
                s.value += s.rate;
                samples.push(Sample::new(t, s.value));
            }
            total += samples.len();
            batch.push(SeriesSamples::new(&s.labels, samples));
        }
        db.append(&batch).unwrap();
    }
    db.persist_head_before(T0 + hours * 3_600_000 + 1).unwrap();
    total
}

fn bench(engine: &Engine, db: &Db, query: &str, range: i64) {
    let mut times = Vec::new();
    let mut samples = 0;
    let mut series = 0;
    for _ in 0..5 {
        let q = db.querier();
        let start = Instant::now();
        let res = engine.range(&q, query, T0, T0 + range, 60_000).unwrap();
        times.push(start.elapsed());
        samples = res.stats.samples_read;
        if let otelstore_promql::Value::Matrix(m) = &res.value {
            series = m.len();
        }
    }
    times.sort();
    let median = times[2];
    println!(
        "{query}\n  median {:.3} s, {} samples read, {:.1} M samples/s, {} result series",
        median.as_secs_f64(),
        samples,
        samples as f64 / median.as_secs_f64() / 1e6,
        series
    );
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let wal = WalOptions::default().sync(SyncPolicy::Interval(Duration::from_secs(1)));
    let opts = Options::default()
        .maintenance_interval(None)
        .retention_time(None)
        .wal(wal);
    let db = Db::open(dir.path(), opts).unwrap();
    let start = Instant::now();
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it
    // (unoptimised), and then one hour keeps the code path tested without taking minutes.
    let hours = if std::env::args().any(|a| a == "--bench") {
        DAY / 3_600_000
    } else {
        1
    };
    let n = generate(&db, hours);
    println!(
        "generated {n} samples in {:.1} s, {} blocks",
        start.elapsed().as_secs_f64(),
        db.blocks().len()
    );
    let engine = Engine::new(EngineOptions::default());
    let range = hours * 3_600_000;
    bench(&engine, &db, "sum by (job) (rate(x_total[5m]))", range);
    bench(
        &engine,
        &db,
        "histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))",
        range,
    );
}
