//! Every query of the promqltest scripts in `testdata/promql` parses (Prometheus parses them
//! all when it loads a script), and printing then re-parsing gives the same tree.

use std::path::PathBuf;

use otelstore_promql::parse;

/// One `eval` query of a script.
#[derive(Debug)]
pub(crate) struct EvalQuery {
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) query: String,
    pub(crate) expect_fail: bool,
}

fn testdata_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/promql")
}

/// The query text of an `eval` header: after `instant at <t>` or `range from <a> to <b>
/// step <s>`.
fn eval_query(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let cmd = words.first()?;
    if !cmd.to_ascii_lowercase().starts_with("eval") {
        return None;
    }
    let skip = match *words.get(1)? {
        "instant" => 4,
        "range" => 8,
        _ => return None,
    };
    // Drop the header words, keeping the query text exactly as written.
    let mut rest = line.trim_start();
    for _ in 0..skip {
        rest = rest.trim_start();
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = &rest[end..];
    }
    Some(rest.trim().to_string())
}

pub(crate) fn load_queries() -> Vec<EvalQuery> {
    let dir = testdata_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} must exist: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "test"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .test files in {}", dir.display());
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable script");
        let file = path
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(query) = eval_query(line.trim()) else {
                continue;
            };
            let body = lines[i + 1..]
                .iter()
                .map(|l| l.trim())
                .take_while(|l| !l.is_empty());
            let expect_fail = line.trim().starts_with("eval_fail")
                || body.into_iter().any(|l| l.starts_with("expect fail"));
            out.push(EvalQuery {
                file: file.clone(),
                line: i + 1,
                query,
                expect_fail,
            });
        }
    }
    out
}

/// Experimental constructs left unsupported, skipped by substring with the reason why.
/// Empty: `anchored`, `smoothed`, `fill(...)`, duration expressions and the trim operators all
/// parse. An entry would look like `("::", "aligned subqueries are not implemented")`.
const SKIPPED: &[(&str, &str)] = &[];

fn skipped(query: &str) -> bool {
    SKIPPED
        .iter()
        .any(|(pattern, _why)| query.contains(pattern))
}

#[test]
fn every_script_query_parses_and_round_trips() {
    let queries = load_queries();
    assert!(
        queries.len() > 2000,
        "only {} eval queries found",
        queries.len()
    );
    let mut failures = Vec::new();
    for q in queries.iter().filter(|q| !skipped(&q.query)) {
        let parsed = match parse(&q.query) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{}:{}: {}: {e}", q.file, q.line, q.query));
                continue;
            }
        };
        let printed = parsed.to_string();
        match parse(&printed) {
            Ok(again) if again.normalized() == parsed.normalized() => {}
            Ok(_) => failures.push(format!(
                "{}:{}: {} printed as {printed} parses differently",
                q.file, q.line, q.query
            )),
            Err(e) => failures.push(format!(
                "{}:{}: {} printed as {printed}: {e}",
                q.file, q.line, q.query
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Prometheus parses every eval query when it loads a script (a parse error aborts the whole
/// file), so `expect fail` queries parse too: they fail when evaluated (an invalid regex in
/// `label_replace`, a NaN `topk` parameter, `smoothed` under `deriv`, duplicate series ...).
#[test]
fn expect_fail_queries_fail_at_evaluation_not_parsing() {
    let failing: Vec<EvalQuery> = load_queries()
        .into_iter()
        .filter(|q| q.expect_fail)
        .collect();
    assert!(
        failing.len() >= 30,
        "only {} expect-fail evals found",
        failing.len()
    );
    for q in failing.iter().filter(|q| !skipped(&q.query)) {
        if let Err(e) = parse(&q.query) {
            panic!("{}:{}: {}: {e}", q.file, q.line, q.query);
        }
    }
}
