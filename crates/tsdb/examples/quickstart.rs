//! Writes a few series into a database directory and reads them back.
//!
//! `cargo run --release -p otelstore-tsdb --example quickstart [DATA_DIR]` (default `./data`).
//! Run it twice: the second run finds the first run's samples, replayed from the WAL.
#![allow(clippy::print_stdout)]

use std::time::{SystemTime, UNIX_EPOCH};

use model::{Labels, MatchOp, Matcher, Querier, Sample, SampleBuf, SampleSource};
use otelstore_tsdb::{Db, Options, SeriesSamples};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data".to_string());
    let db = Db::open(&dir, Options::default())?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;

    let mut batch = Vec::new();
    for model_name in ["llama-3-8b", "mistral-7b"] {
        for (kind, per_req) in [("input", 512.0), ("output", 128.0)] {
            let labels = Labels::from_pairs([
                ("__name__", "gen_ai_client_token_usage_sum"),
                ("gen_ai_request_model", model_name),
                ("gen_ai_token_type", kind),
            ])?;
            let samples = (0..10)
                .map(|i| Sample::new(now - (9 - i) * 15_000, per_req * (i + 1) as f64))
                .collect();
            batch.push(SeriesSamples::new(&labels, samples));
        }
    }
    let outcome = db.append(&batch)?;
    println!(
        "appended {} samples ({} identical resends ignored, {} rejected)",
        outcome.appended,
        outcome.ignored,
        outcome.rejected()
    );

    let matchers = [Matcher::new(MatchOp::Equal, "gen_ai_token_type", "input")?];
    let mut buf = SampleBuf::new();
    for mut series in db.querier().select(&matchers, now - 3_600_000, now)? {
        buf.clear();
        series.samples.read_into(&mut buf)?;
        let last = buf.iter().last().map(|s| s.v).unwrap_or(f64::NAN);
        println!(
            "{}: {} samples in the last hour, latest {last}",
            series.labels,
            buf.len()
        );
    }
    let stats = db.stats(5);
    println!(
        "head: {} series, {} samples; data in {}",
        stats.head.num_series,
        stats.head.num_samples,
        db.dir().display()
    );
    db.close()?;
    Ok(())
}
