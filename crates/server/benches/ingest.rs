//! Ingest benchmark over real sockets: pre-encoded OTLP metric requests from several
//! concurrent clients into the real `otelstore` binary (protobuf over OTLP/HTTP and over
//! OTLP/gRPC), then the same samples as Prometheus remote write into otelstore and into
//! Debian's Prometheus 2.42, side by side.
//!
//! Run: `cargo bench -p otelstore-server --bench ingest` (about a minute after the build;
//! `OTELSTORE_BENCH_QUICK=1` for a smaller run; `cargo test` runs a tiny smoke pass). Cargo
//! builds the `otelstore` binary with the bench profile (target/release/otelstore) and passes
//! its path to the bench; set `OTELSTORE_BIN` to measure another build. Prometheus is
//! `/usr/bin/prometheus` (`scripts/setup` installs Debian's `prometheus` package) or
//! `PROMETHEUS_BIN`; without it the bench fails.
//!
//! Each target gets a fresh server. One warm-up pass creates every series, then several
//! timed rounds of a few passes each; samples/s is the median over the rounds (min and max
//! beside it). Memory per series is the growth of the server's resident memory from idle
//! to the end of the run, divided by the number of series: it includes the samples held in
//! the head, as Prometheus' own per-series figures do. Clients and server share the
//! machine's cores, so the figures are for the whole loop on this machine. Server CPU time
//! per sample (user and system, over the timed rounds) is printed beside them: on a shared
//! machine it moves less from run to run than samples/s.

#[path = "ingest/data.rs"]
mod data;
#[path = "ingest/targets.rs"]
mod targets;

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use data::{OtlpBody, Shape};
use targets::Server;

/// Sizes of a run.
#[derive(Debug, Clone, Copy)]
struct Plan {
    shape: Shape,
    /// Concurrent client connections.
    clients: usize,
    /// Timed rounds per target.
    rounds: usize,
    /// Passes (over every series) per round.
    passes_per_round: usize,
    /// A tiny run to check the code path, not to measure.
    smoke: bool,
}

impl Plan {
    fn from_env() -> Plan {
        // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without
        // it, and then a tiny smoke run keeps the code path tested without taking minutes.
        let bench = std::env::args().any(|a| a == "--bench");
        let quick = std::env::var_os("OTELSTORE_BENCH_QUICK").is_some_and(|v| v != "0");
        let (requests, series_per_request, passes_per_round, rounds) = match (bench, quick) {
            (false, _) => (2, 100, 1, 1),
            (true, true) => (10, 2000, 2, 3),
            (true, false) => (50, 2000, 4, 5),
        };
        Plan {
            shape: Shape {
                requests,
                series_per_request,
                points: 5,
            },
            clients: if bench { 4 } else { 2 },
            rounds,
            passes_per_round,
            smoke: !bench,
        }
    }

    /// Every pass of a run: the warm-up, then the rounds.
    fn passes(&self) -> usize {
        1 + self.rounds * self.passes_per_round
    }
}

/// How a target is fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    OtlpHttp,
    OtlpGrpc,
    RemoteWrite,
}

/// The result for one target.
#[derive(Debug)]
struct Measured {
    name: &'static str,
    /// Samples per second of each round.
    rates: Vec<f64>,
    /// Resident bytes per active series.
    bytes_per_series: f64,
    /// Server CPU time (user and system) per sample over the timed rounds, in nanoseconds:
    /// steadier than samples/s on a shared machine, where other tenants take CPU time.
    cpu_ns_per_sample: f64,
}

impl Measured {
    fn median(&self) -> f64 {
        let mut r = self.rates.clone();
        r.sort_by(f64::total_cmp);
        r[r.len() / 2]
    }
}

fn main() -> Result<()> {
    let plan = Plan::from_env();
    let otelstore = std::env::var_os("OTELSTORE_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_otelstore")),
        PathBuf::from,
    );
    let prometheus = std::env::var_os("PROMETHEUS_BIN")
        .map_or_else(|| PathBuf::from("/usr/bin/prometheus"), PathBuf::from);
    if !prometheus.is_file() {
        let mut err = std::io::stderr().lock();
        writeln!(
            err,
            "\n*** ingest bench: Prometheus not found at {} ***",
            prometheus.display()
        )?;
        writeln!(
            err,
            "*** install Debian's `prometheus` package (scripts/setup) or set PROMETHEUS_BIN ***\n"
        )?;
        bail!("Prometheus is missing; the side-by-side comparison cannot run");
    }
    let shape = plan.shape;
    let mut out = std::io::stdout().lock();
    if plan.smoke {
        writeln!(
            out,
            "smoke run (no --bench: cargo test); the figures below mean nothing"
        )?;
    }
    writeln!(
        out,
        "ingest bench: {} series ({} requests x {} series, {} points per series per request), \
         {} clients, {} rounds of {} samples after a warm-up pass",
        shape.series(),
        shape.requests,
        shape.series_per_request,
        shape.points,
        plan.clients,
        plan.rounds,
        shape.samples_per_pass() * plan.passes_per_round
    )?;
    // Old enough that every pass lies in the past, recent enough for the head to take it.
    let span_ms = plan.passes() as i64 * shape.pass_ms();
    let t0 = now_ms() - span_ms - 60_000;
    let encode = Instant::now();
    let otlp = data::otlp_requests(shape, t0);
    let rw = data::remote_write_bodies(shape, t0, plan.passes());
    let otlp_bytes: usize = otlp.iter().map(|b| b.bytes.len()).sum();
    let rw_bytes: usize = rw[0].iter().map(Vec::len).sum();
    writeln!(
        out,
        "pre-encoded in {:.1} s: one pass is {:.1} MB of OTLP protobuf, {:.1} MB of snappy remote write",
        encode.elapsed().as_secs_f64(),
        otlp_bytes as f64 / 1e6,
        rw_bytes as f64 / 1e6
    )?;
    let mut clients: Vec<Vec<OtlpBody>> = vec![Vec::new(); plan.clients];
    for (i, body) in otlp.into_iter().enumerate() {
        clients[i % plan.clients].push(body);
    }
    let mut results = Vec::new();
    for (name, via) in [
        ("otelstore OTLP/HTTP protobuf", Via::OtlpHttp),
        ("otelstore OTLP/gRPC protobuf", Via::OtlpGrpc),
        ("otelstore remote write", Via::RemoteWrite),
    ] {
        let server = Server::otelstore(&otelstore)?;
        results.push(measure(name, &server, via, &plan, &mut clients, &rw)?);
        print_row(&mut out, results.last().context("result")?)?;
    }
    let server = Server::prometheus(&prometheus)?;
    results.push(measure(
        "Prometheus 2.42 remote write",
        &server,
        Via::RemoteWrite,
        &plan,
        &mut clients,
        &rw,
    )?);
    print_row(&mut out, results.last().context("result")?)?;
    drop(server);
    let prom = &results[3];
    writeln!(out, "\nside by side with Prometheus 2.42 (remote write):")?;
    for r in &results[..3] {
        writeln!(
            out,
            "  {:<30} {:>5.2}x the samples/s, {:>5.2}x the memory per series, {:>5.2}x the CPU per sample",
            r.name,
            r.median() / prom.median(),
            r.bytes_per_series / prom.bytes_per_series,
            r.cpu_ns_per_sample / prom.cpu_ns_per_sample
        )?;
    }
    Ok(())
}

/// Warm-up pass, timed rounds, memory growth, on a fresh server.
fn measure(
    name: &'static str,
    server: &Server,
    via: Via,
    plan: &Plan,
    clients: &mut [Vec<OtlpBody>],
    rw: &[Vec<Vec<u8>>],
) -> Result<Measured> {
    let idle = server.rss()?;
    let send = |clients: &mut [Vec<OtlpBody>], passes: std::ops::Range<usize>| -> Result<()> {
        match via {
            Via::OtlpHttp => targets::otlp_http(&server.otlp_http, clients, plan.shape, passes),
            Via::OtlpGrpc => targets::otlp_grpc(&server.otlp_grpc, clients, plan.shape, passes),
            Via::RemoteWrite => {
                let url = format!("http://{}/api/v1/write", server.http);
                targets::remote_write(&url, rw, plan.clients, passes)
            }
        }
    };
    send(clients, 0..1).with_context(|| format!("{name}: warm-up"))?;
    let mut rates = Vec::new();
    let cpu_before = server.cpu_seconds()?;
    for round in 0..plan.rounds {
        let first = 1 + round * plan.passes_per_round;
        let start = Instant::now();
        send(clients, first..first + plan.passes_per_round)
            .with_context(|| format!("{name}: round {round}"))?;
        let samples = plan.shape.samples_per_pass() * plan.passes_per_round;
        rates.push(samples as f64 / start.elapsed().as_secs_f64());
    }
    let cpu = server.cpu_seconds()? - cpu_before;
    let timed_samples = plan.shape.samples_per_pass() * plan.passes_per_round * plan.rounds;
    // Let in-flight work (WAL syncs, chunk cutting) settle before reading memory.
    std::thread::sleep(std::time::Duration::from_secs(1));
    let grown = server.rss()?.saturating_sub(idle);
    Ok(Measured {
        name,
        rates,
        bytes_per_series: grown as f64 / plan.shape.series() as f64,
        cpu_ns_per_sample: cpu * 1e9 / timed_samples as f64,
    })
}

fn print_row(out: &mut impl Write, r: &Measured) -> Result<()> {
    let min = r.rates.iter().copied().fold(f64::INFINITY, f64::min);
    let max = r.rates.iter().copied().fold(0.0, f64::max);
    writeln!(
        out,
        "  {:<30} {:>10.0} samples/s (median; {:.0}..{:.0})  {:>7.0} bytes RSS per series  {:>6.0} ns server CPU per sample",
        r.name,
        r.median(),
        min,
        max,
        r.bytes_per_series,
        r.cpu_ns_per_sample
    )?;
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
