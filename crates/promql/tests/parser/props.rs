//! Property tests: random ASTs survive printing and parsing; random token soup and mutated
//! script queries never make the parser panic, and whatever parses prints back to itself.

use std::sync::OnceLock;

use otelstore_promql::{ValueType, parse, prettify};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::arb::{Rng, expr};
use super::scripts::load_queries;

/// If `q` parses, its printed and prettified forms parse to the same tree.
fn check_round_trip(q: &str) -> Result<(), TestCaseError> {
    let Ok(e) = parse(q) else { return Ok(()) };
    let printed = e.to_string();
    let again = parse(&printed)
        .map_err(|err| TestCaseError::fail(format!("{q:?} printed as {printed:?} fails: {err}")))?;
    prop_assert_eq!(
        again.normalized(),
        e.normalized(),
        "{:?} printed as {:?}",
        q,
        printed
    );
    let pretty = prettify(&e);
    let again = parse(&pretty).map_err(|err| {
        TestCaseError::fail(format!("{q:?} prettified as {pretty:?} fails: {err}"))
    })?;
    prop_assert_eq!(
        again.normalized(),
        e.normalized(),
        "{:?} prettified as {:?}",
        q,
        pretty
    );
    Ok(())
}

const VOCAB: &[&str] = &[
    "foo",
    "bar",
    "sum",
    "rate",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "offset",
    "@",
    "start()",
    "end()",
    "step()",
    "range()",
    "min_of",
    "max_of",
    "and",
    "or",
    "unless",
    "atan2",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "</",
    ">/",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ":",
    "::",
    ",",
    "=",
    "=~",
    "!~",
    "\"s\"",
    "'q'",
    "`r`",
    "1",
    "0.5",
    "1e3",
    "0x1f",
    "Inf",
    "NaN",
    "5m",
    "1h30m",
    "topk",
    "count_values",
    "anchored",
    "smoothed",
    "fill",
    "fill_left",
    "fill_right",
    "# c\n",
    "\n",
    "a=\"b\"",
    "__name__",
    "label_replace",
    "histogram_quantile",
    "x[5m]",
    "_",
    "é",
    "\\",
    "\"",
    "'",
];

fn queries() -> &'static [String] {
    static QUERIES: OnceLock<Vec<String>> = OnceLock::new();
    QUERIES.get_or_init(|| load_queries().into_iter().map(|q| q.query).collect())
}

/// Applies one random edit at a character boundary.
fn mutate(q: &str, rng: &mut Rng) -> String {
    let bounds: Vec<usize> = q.char_indices().map(|(i, _)| i).chain([q.len()]).collect();
    let a = bounds[rng.below(bounds.len())];
    let b = bounds[rng.below(bounds.len())];
    let (a, b) = (a.min(b), a.max(b));
    match rng.below(4) {
        0 => format!("{}{}", &q[..a], &q[b..]),
        1 => format!("{}{}{}", &q[..b], &q[a..b], &q[b..]),
        2 => format!("{}{}{}", &q[..a], rng.pick(VOCAB), &q[a..]),
        _ => format!("{}{}{}", &q[..a], rng.pick(VOCAB), &q[b..]),
    }
}

proptest! {
    // 1024 cases by default; PROPTEST_CASES raises it for longer runs.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1024),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_asts_print_and_parse_back(seed in any::<u64>()) {
        let mut rng = Rng::new(seed);
        let ty = *rng.pick(&[ValueType::Scalar, ValueType::Vector, ValueType::Matrix, ValueType::String]);
        let ast = expr(&mut rng, ty, 4);
        let printed = ast.to_string();
        let parsed = parse(&printed)
            .map_err(|e| TestCaseError::fail(format!("seed {seed}: {printed:?}: {e}")))?;
        prop_assert_eq!(parsed.normalized(), ast.normalized(), "seed {} printed {:?}", seed, printed);
        check_round_trip(&printed)?;
    }

    #[test]
    fn token_soup_never_panics(tokens in proptest::collection::vec((0..VOCAB.len(), 0..3usize), 0..24)) {
        let q: String = tokens
            .iter()
            .map(|&(t, space)| format!("{}{}", VOCAB[t], [" ", "", "\t"][space]))
            .collect();
        check_round_trip(&q)?;
    }

    #[test]
    fn mutated_script_queries_never_panic(pick in any::<usize>(), seed in any::<u64>(), edits in 1..4usize) {
        let all = queries();
        let mut q = all[pick % all.len()].clone();
        let mut rng = Rng::new(seed);
        for _ in 0..edits {
            q = mutate(&q, &mut rng);
        }
        check_round_trip(&q)?;
    }

    #[test]
    fn arbitrary_strings_never_panic(q in "\\PC{0,40}") {
        check_round_trip(&q)?;
    }
}

/// Found by the fuzzer: `+Inf` prints with its sign, and `- +Inf ^ 4` parses back as unary
/// plus over `Inf ^ 4` (unary operators bind looser than `^`). Same value, same normal form.
#[test]
fn signed_infinity_under_power_round_trips() {
    for q in ["04./4-inf^4./43", "-inf ^ 2", "1 - +Inf ^ 2 / 3"] {
        check_round_trip(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    }
}
