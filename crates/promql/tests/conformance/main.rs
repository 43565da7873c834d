//! Runs Prometheus' promqltest conformance scripts (`testdata/promql/*.test`) against the
//! engine over a real tsdb. Skipped evals are listed in `skips.txt` with a reason each.
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

mod check;
mod script;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use model::{Labels, Sample, SeriesSamples};
use otelstore_promql::{Engine, EngineOptions, SeqValue};
use script::{Command, Eval, Expected, LoadLine};
use tsdb::{Db, Options};

fn open_db(dir: &Path) -> Db {
    // Wide blocks and out-of-order window: scripts load data anywhere in a few years.
    let day = 86_400;
    let opts = Options::default()
        .maintenance_interval(None)
        .retention_time(None)
        .block_duration(Duration::from_secs(800 * day))
        .out_of_order_window(Duration::from_secs(400 * day));
    Db::open(dir, opts).expect("open tsdb")
}

fn load_skips() -> HashMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/skips.txt");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, r) = l.split_once(' ').unwrap_or((l, ""));
            (k.to_string(), r.to_string())
        })
        .collect()
}

#[derive(Default)]
struct Counts {
    passed: usize,
    failed: usize,
    skipped: usize,
}

fn run_eval(engine: &Engine, db: &Db, ev: &Eval) -> Result<(), String> {
    if let Some(why) = &ev.unparsable {
        return Err(format!("cannot parse expectations: {why}"));
    }
    let q = db.querier();
    let res = match ev.range {
        Some((s, e, st)) => engine.range(&q, ev.expr.as_str(), s, e, st),
        None => engine.instant(&q, ev.expr.as_str(), ev.at),
    };
    let res = match (res, &ev.fail) {
        (Err(e), Some(m)) => {
            let msg = e.to_string();
            return if m.matches(&msg) {
                Ok(())
            } else {
                Err(format!("error {msg:?} does not match {m:?}"))
            };
        }
        (Err(e), None) => return Err(format!("unexpected error: {e}")),
        (Ok(r), Some(_)) => return Err(format!("expected failure, got {:?}", r.value)),
        (Ok(r), None) => r,
    };
    check::annotations(ev, &res)?;
    check::result(ev, &res.value)?;
    let skip_range_mode = ev.range.is_some()
        || ev.ordered
        || ev.range_vector.is_some()
        || matches!(ev.expected, Expected::String(_))
        || ["start()", "end()", "range()", "step()"]
            .iter()
            .any(|f| ev.expr.contains(f))
        || matches!(
            res.value,
            otelstore_promql::Value::Matrix(_) | otelstore_promql::Value::String(..)
        );
    if !skip_range_mode {
        let r = engine
            .range(&q, ev.expr.as_str(), ev.at - 60_000, ev.at + 60_000, 60_000)
            .map_err(|e| format!("range mode: unexpected error: {e}"))?;
        check::range_equivalence(ev, &r.value)?;
    }
    Ok(())
}

fn load(db: &Db, interval: i64, lines: &[LoadLine]) {
    let mut batch: BTreeMap<Labels, Vec<Sample>> = BTreeMap::new();
    for l in lines {
        let LoadLine::Float(labels, vals) = l else {
            continue;
        };
        let samples = vals
            .iter()
            .enumerate()
            .filter_map(|(k, v)| match v {
                SeqValue::Value(x) => Some(Sample::new(k as i64 * interval, *x)),
                SeqValue::Omitted => None,
            })
            .collect();
        batch.insert(labels.clone(), samples);
    }
    let batch: Vec<SeriesSamples> = batch
        .iter()
        .map(|(l, s)| SeriesSamples::new(l, s.clone()))
        .collect();
    let out = db.append(&batch).expect("append");
    if out.rejected() > 0 {
        println!(
            "load rejected {} samples: {:?}",
            out.rejected(),
            out.first_rejection
        );
    }
}

fn run_file(
    path: &Path,
    engine: &Engine,
    skips: &HashMap<String, String>,
    failures: &mut Vec<String>,
    now_passing: &mut Vec<String>,
    seen: &mut Vec<String>,
) -> Counts {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let text = std::fs::read_to_string(path).expect("read test file");
    let cmds = match script::parse(&text) {
        Ok(c) => c,
        Err(e) => {
            failures.push(format!("{name}: script does not parse: {e}"));
            return Counts {
                failed: 1,
                ..Counts::default()
            };
        }
    };
    let mut tmp = tempfile::tempdir().expect("tempdir");
    let mut db = open_db(tmp.path());
    let mut counts = Counts::default();
    let mut hist_series: Vec<Labels> = Vec::new();
    for (_, cmd) in &cmds {
        match cmd {
            Command::Clear => {
                hist_series.clear();
                drop(db);
                tmp = tempfile::tempdir().expect("tempdir");
                db = open_db(tmp.path());
            }
            Command::Load {
                interval,
                lines,
                nhcb,
            } => {
                load(&db, *interval, lines);
                note_histograms(lines, *nhcb, &mut hist_series);
            }
            Command::Eval(ev) => {
                let key = format!("{name}:{}", ev.line);
                seen.push(key.clone());
                let outcome = run_eval(engine, &db, ev);
                if skips.contains_key(&key) {
                    counts.skipped += 1;
                    if outcome.is_ok() {
                        now_passing.push(key);
                    }
                    continue;
                }
                match outcome {
                    Ok(()) => counts.passed += 1,
                    Err(e) => {
                        counts.failed += 1;
                        if std::env::var("PROMQLTEST_CLASSIFY").is_ok() {
                            println!("CLASSIFY {key} {}", classify(&name, ev, &hist_series));
                        }
                        failures.push(format!("{key}: {}\n{e}", ev.expr));
                    }
                }
            }
        }
    }
    counts
}

#[test]
fn promqltest() {
    let dir = std::env::var("PROMQLTEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/promql")
        });
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("conformance scripts missing at {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "test"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.test files in {}", dir.display());
    let only = std::env::var("PROMQLTEST_FILE").ok();
    // The upstream test engine allows 10,000 samples per query.
    let engine = Engine::new(EngineOptions::default().max_samples(10_000));
    let skips = load_skips();
    let (mut failures, mut now_passing, mut seen) = (Vec::new(), Vec::new(), Vec::new());
    let mut total = Counts::default();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        let c = run_file(
            f,
            &engine,
            &skips,
            &mut failures,
            &mut now_passing,
            &mut seen,
        );
        println!(
            "{name}: {} passed, {} failed, {} skipped",
            c.passed, c.failed, c.skipped
        );
        total.passed += c.passed;
        total.failed += c.failed;
        total.skipped += c.skipped;
    }
    for f in &failures {
        println!("\nFAIL {f}");
    }
    if only.is_none() {
        for k in skips.keys().filter(|k| !seen.contains(k)) {
            failures.push(format!("{k}: skip entry names no eval"));
        }
    }
    for k in &now_passing {
        println!("skipped eval now passes: {k}");
    }
    println!(
        "promqltest: {} passed, {} failed, {} skipped",
        total.passed, total.failed, total.skipped
    );
    assert!(
        failures.is_empty(),
        "{} conformance evals failed",
        failures.len()
    );
}

/// Records the series that hold native histograms (written or converted by load_with_nhcb).
fn note_histograms(lines: &[LoadLine], nhcb: bool, out: &mut Vec<Labels>) {
    for l in lines {
        match l {
            LoadLine::Histogram(Some(labels)) => out.push(labels.clone()),
            LoadLine::Float(labels, _) if nhcb => {
                let name = labels.metric_name().unwrap_or("");
                for suffix in ["_bucket", "_count", "_sum"] {
                    if let Some(base) = name.strip_suffix(suffix) {
                        out.push(labels.without(&["le"]).with("__name__", base));
                    }
                }
            }
            _ => {}
        }
    }
}

/// Suggests the skip reason of a failing eval (used to maintain skips.txt).
fn classify(file: &str, ev: &Eval, hist: &[Labels]) -> &'static str {
    let e = &ev.expr;
    if file == "start_timestamps.test" {
        return "start timestamps";
    }
    if e.contains("anchored") || e.contains("smoothed") {
        return "experimental anchored/smoothed selectors";
    }
    if e.contains("fill(") || e.contains("fill_left(") || e.contains("fill_right(") {
        return "experimental fill modifiers";
    }
    if e.contains("info(") {
        return "experimental info()";
    }
    if e.contains("limitk") || e.contains("limit_ratio") {
        return "experimental limitk/limit_ratio";
    }
    if ev.unparsable.is_some() {
        return "native histograms";
    }
    let Ok(expr) = otelstore_promql::parse(e) else {
        return "UNKNOWN";
    };
    let mut touches = false;
    visit(&expr, &mut |vs| {
        if hist.iter().any(|h| model::matches_all(h, &vs.matchers)) {
            touches = true;
        }
    });
    if touches {
        "native histograms"
    } else {
        "UNKNOWN"
    }
}

fn visit(e: &otelstore_promql::Expr, f: &mut dyn FnMut(&otelstore_promql::VectorSelector)) {
    match e {
        otelstore_promql::Expr::VectorSelector(vs) => f(vs),
        otelstore_promql::Expr::MatrixSelector(m) => f(&m.selector),
        _ => {}
    }
    for c in e.children() {
        visit(c, f);
    }
}
