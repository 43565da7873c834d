//! The storage engine on a realistic scrape workload: append throughput with the WAL on,
//! resident memory per series after 2h, bytes per sample in a persisted block, and decode
//! speed of persisted columns.
//!
//! The data set is generated here: 100 targets x 103 series (10,300 series) scraped every
//! 15 s, each target at its own phase with +-10 ms jitter per scrape; series of one scrape
//! share its timestamp, as Prometheus and OTLP SDKs produce them. Per target: `up`, process
//! gauges and counters, 24 `http_requests_total` counters (some never move), a 13-series
//! `http_request_duration_seconds` histogram family per handler (4), 16 `node_cpu_seconds_total`
//! counters with centisecond increments, memory gauges in bytes, and a temperature with one
//! decimal. Targets restart now and then, resetting their counters.
//!
//! Run: `cargo bench -p otelstore-tsdb --bench tsdb` (add `-- --quick` for a smaller run).
#![allow(clippy::print_stdout, missing_docs)]

use std::time::{Duration, Instant};

use model::{Labels, MatchOp, Matcher, Querier, Sample, SampleBuf, SampleSource};
use otelstore_tsdb::{Db, Options, SeriesSamples, SyncPolicy, WalOptions};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const TARGETS: usize = 100;
const INTERVAL: i64 = 15_000;
const HOURS2: i64 = 2 * 3600 * 1000;
/// A 2h-aligned start, so 2h of data fills exactly one block.
const T0: i64 = 1_700_006_400_000;

#[derive(Clone, Copy)]
enum Kind {
    Const(f64),
    /// Counter: mean increment per scrape, decimals.
    Counter {
        rate: f64,
        decimals: i32,
    },
    /// Histogram bucket of family `fam` with upper bound `le` (seconds).
    Bucket {
        fam: usize,
        le: f64,
    },
    HistSum {
        fam: usize,
    },
    HistCount {
        fam: usize,
    },
    /// Random-walk gauge: step size, decimals.
    Gauge {
        step: f64,
        decimals: i32,
        base: f64,
    },
}

struct Target {
    series: Vec<(Labels, Kind)>,
    values: Vec<f64>,
    phase: i64,
    /// Per histogram family: observations this scrape and their latencies.
    fam_obs: Vec<Vec<f64>>,
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied()).expect("labels")
}

fn target(i: usize, rng: &mut SmallRng) -> Target {
    let inst = format!("host-{i:03}.example.net:9100");
    let job = if i.is_multiple_of(2) { "api" } else { "node" };
    let base = |name: &str| {
        vec![
            ("__name__", name.to_string()),
            ("instance", inst.clone()),
            ("job", job.to_string()),
        ]
    };
    let mk = |pairs: Vec<(&str, String)>| {
        labels(
            &pairs
                .iter()
                .map(|(a, b)| (*a, b.as_str()))
                .collect::<Vec<_>>(),
        )
    };
    let mut series = vec![(mk(base("up")), Kind::Const(1.0))];
    series.push((
        mk(base("process_cpu_seconds_total")),
        Kind::Counter {
            rate: 0.15,
            decimals: 2,
        },
    ));
    series.push((
        mk(base("process_resident_memory_bytes")),
        Kind::Gauge {
            step: 65536.0,
            decimals: 0,
            base: 2e8,
        },
    ));
    series.push((
        mk(base("go_goroutines")),
        Kind::Gauge {
            step: 2.0,
            decimals: 0,
            base: 40.0,
        },
    ));
    let handlers = ["/api/v1/query", "/api/v1/write", "/metrics", "/healthz"];
    for h in handlers {
        for m in ["GET", "POST"] {
            for (code, share) in [("200", 1.0), ("404", 0.02), ("500", 0.0)] {
                let mut p = base("http_requests_total");
                p.extend([
                    ("code", code.to_string()),
                    ("handler", h.to_string()),
                    ("method", m.to_string()),
                ]);
                let rate = if m == "POST" && h == "/healthz" {
                    0.0
                } else {
                    rng.gen_range(0.0..40.0) * share
                };
                series.push((mk(p), Kind::Counter { rate, decimals: 0 }));
            }
        }
    }
    let les = [
        0.005,
        0.01,
        0.025,
        0.05,
        0.1,
        0.25,
        0.5,
        1.0,
        2.5,
        5.0,
        f64::INFINITY,
    ];
    for (fam, h) in handlers.iter().enumerate() {
        for le in les {
            let mut p = base("http_request_duration_seconds_bucket");
            let le_s = if le.is_infinite() {
                "+Inf".to_string()
            } else {
                le.to_string()
            };
            p.extend([("handler", h.to_string()), ("le", le_s)]);
            series.push((mk(p), Kind::Bucket { fam, le }));
        }
        let mut p = base("http_request_duration_seconds_sum");
        p.push(("handler", h.to_string()));
        series.push((mk(p), Kind::HistSum { fam }));
        let mut p = base("http_request_duration_seconds_count");
        p.push(("handler", h.to_string()));
        series.push((mk(p), Kind::HistCount { fam }));
    }
    for cpu in 0..2 {
        for mode in [
            "idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user",
        ] {
            let mut p = base("node_cpu_seconds_total");
            p.extend([("cpu", cpu.to_string()), ("mode", mode.to_string())]);
            let rate = match mode {
                "idle" => 12.0,
                "user" => 2.0,
                "system" => 0.8,
                "steal" | "nice" => 0.0,
                _ => 0.05,
            };
            series.push((mk(p), Kind::Counter { rate, decimals: 2 }));
        }
    }
    for name in [
        "MemFree", "Cached", "Buffers", "Active", "Inactive", "Dirty",
    ] {
        let p = base(&format!("node_memory_{name}_bytes"));
        series.push((
            mk(p),
            Kind::Gauge {
                step: 4096.0 * 16.0,
                decimals: 0,
                base: 1e9,
            },
        ));
    }
    series.push((
        mk(base("node_hwmon_temp_celsius")),
        Kind::Gauge {
            step: 0.5,
            decimals: 1,
            base: 45.0,
        },
    ));
    let values = series
        .iter()
        .map(|(_, k)| match *k {
            Kind::Const(v) => v,
            Kind::Gauge { base, .. } => base,
            _ => 0.0,
        })
        .collect();
    Target {
        series,
        values,
        phase: rng.gen_range(0..INTERVAL),
        fam_obs: vec![Vec::new(); 4],
    }
}

fn round(v: f64, decimals: i32) -> f64 {
    let p = 10f64.powi(decimals);
    (v * p).round() / p
}

/// Advances a target by one scrape and returns its samples at `t`.
fn scrape(tg: &mut Target, t: i64, rng: &mut SmallRng) -> Vec<SeriesSamples> {
    // About one restart per target per 10 hours resets every counter.
    let restart = rng.gen_bool(1.0 / 2400.0);
    for obs in &mut tg.fam_obs {
        obs.clear();
        let n = rng.gen_range(0..30);
        for _ in 0..n {
            let x: f64 = rng.gen_range(0.0f64..1.0);
            obs.push(0.002 * (x * 9.0).exp());
        }
    }
    let mut out = Vec::with_capacity(tg.series.len());
    for (i, (labels, kind)) in tg.series.iter().enumerate() {
        let v = &mut tg.values[i];
        match *kind {
            Kind::Const(_) => {}
            Kind::Counter { rate, decimals } => {
                if rate > 0.0 {
                    *v = round(*v + rng.gen_range(0.0..2.0 * rate), decimals);
                }
            }
            Kind::Bucket { fam, le } => {
                *v += tg.fam_obs[fam].iter().filter(|&&x| x <= le).count() as f64
            }
            Kind::HistSum { fam } => *v += tg.fam_obs[fam].iter().sum::<f64>(),
            Kind::HistCount { fam } => *v += tg.fam_obs[fam].len() as f64,
            Kind::Gauge { step, decimals, .. } => {
                if rng.gen_bool(0.6) {
                    *v = round(*v + step * rng.gen_range(-3i32..=3) as f64, decimals);
                }
            }
        }
        if restart && !matches!(kind, Kind::Const(_) | Kind::Gauge { .. }) {
            *v = 0.0;
        }
        out.push(SeriesSamples {
            labels: labels.as_slice().to_vec(),
            samples: vec![Sample::new(t, *v)],
        });
    }
    out
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

struct Run {
    samples: u64,
    append_secs: f64,
    rss_per_series: f64,
}

/// Appends `scrapes` rounds of every target; returns timings and memory.
fn ingest(db: &Db, targets: &mut [Target], scrapes: i64, rng: &mut SmallRng) -> Run {
    let rss0 = rss_bytes();
    let mut order: Vec<(i64, usize)> = Vec::new();
    let mut append = Duration::ZERO;
    let mut samples = 0u64;
    for k in 0..scrapes {
        order.clear();
        for (i, tg) in targets.iter().enumerate() {
            order.push((T0 + tg.phase + k * INTERVAL + rng.gen_range(-10..=10), i));
        }
        order.sort_unstable();
        for &(t, i) in &order {
            let batch = scrape(&mut targets[i], t, rng);
            let start = Instant::now();
            let out = db.append(&batch).expect("append");
            append += start.elapsed();
            samples += out.appended;
        }
    }
    let series: usize = targets.iter().map(|t| t.series.len()).sum();
    Run {
        samples,
        append_secs: append.as_secs_f64(),
        rss_per_series: (rss_bytes().saturating_sub(rss0)) as f64 / series as f64,
    }
}

fn main() {
    // `cargo test --all-targets` runs this binary without `--bench` (unoptimised): then the
    // quick shape keeps the code path tested without taking minutes.
    let arg = |name: &str| std::env::args().any(|a| a == name);
    let quick = arg("--quick") || !arg("--bench");
    let mut rng = SmallRng::seed_from_u64(42);
    let mut targets: Vec<Target> = (0..TARGETS).map(|i| target(i, &mut rng)).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let scrapes = if quick { 120 } else { HOURS2 / INTERVAL };
    let opts = Options::default()
        .maintenance_interval(None)
        .wal(WalOptions::default().sync(SyncPolicy::Interval(Duration::from_millis(200))));

    println!(
        "otelstore tsdb bench: {} targets, {} series, {} scrapes at 15 s",
        TARGETS,
        targets.iter().map(|t| t.series.len()).sum::<usize>(),
        scrapes
    );
    let db = Db::open(dir.path(), opts).expect("open");
    let run = ingest(&db, &mut targets, scrapes, &mut rng);
    println!(
        "head append (WAL on, fsync every 200 ms, one thread, one target's scrape per batch): {:.2} M samples/s ({} samples in {:.2} s)",
        run.samples as f64 / run.append_secs / 1e6,
        run.samples,
        run.append_secs
    );
    println!(
        "resident memory per active series after {} min of 15 s samples: {:.0} bytes",
        scrapes / 4,
        run.rss_per_series
    );
    let stats = db.stats(3);
    println!(
        "head: {} series, {} chunks, {} samples",
        stats.head.num_series, stats.head.chunk_count, stats.head.num_samples
    );

    // Persist the 2h window and measure the block.
    db.persist_head_before(T0 + HOURS2 + HOURS2)
        .expect("persist");
    let blocks = db.blocks();
    let samples: u64 = blocks.iter().map(|b| b.num_samples).sum();
    let dirs: Vec<_> = blocks
        .iter()
        .map(|b| dir.path().join("blocks").join(&b.id))
        .collect();
    let size = |name: &str| {
        dirs.iter()
            .map(|d| {
                std::fs::metadata(d.join(name))
                    .map(|m| m.len())
                    .unwrap_or(0)
            })
            .sum::<u64>()
    };
    let (chunks, index, meta) = (size("chunks"), size("index"), size("meta"));
    println!(
        "persisted block: {} samples; bytes/sample {:.3} all files ({:.3} columns, index {} KiB)",
        samples,
        (chunks + index + meta) as f64 / samples as f64,
        chunks as f64 / samples as f64,
        index / 1024
    );

    // Decode every persisted column, one thread.
    let all = [Matcher::new(MatchOp::Regex, "__name__", ".+").expect("matcher")];
    let mut rates = Vec::new();
    let mut buf = SampleBuf::new();
    for _ in 0..5 {
        let q = db.querier();
        let start = Instant::now();
        let mut n = 0usize;
        for mut s in q.select(&all, T0, T0 + HOURS2).expect("select") {
            buf.clear();
            s.samples.read_into(&mut buf).expect("read");
            n += buf.len();
        }
        rates.push(n as f64 / start.elapsed().as_secs_f64());
    }
    println!(
        "decode of persisted chunks (select + read all series, one thread): median {:.1} M samples/s",
        median(rates) / 1e6
    );
    println!(
        "targets: bytes/sample <= 1.0, append >= 1.5 M/s, memory <= 1536 B/series, decode >= 50 M samples/s"
    );
}
