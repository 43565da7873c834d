//! Metric names: OTel name + unit + kind → Prometheus family name, for each
//! [`TranslationStrategy`].
//!
//! With suffixes and escaping the name is cut into tokens on every character outside
//! `[a-zA-Z0-9:]` (so runs of `.`, `_`, `-` collapse), unit tokens are appended unless the
//! name already has them, counters get `total` and unit-`1` gauges `ratio` (each moved to
//! the end), and the tokens are joined with `_`. The UTF-8 strategy applies the same
//! suffix rules to the raw string. See `docs/otel-to-prometheus.md` §3.

use super::options::{MetricsOptions, TranslationStrategy};
use super::units::{clean_unit, is_metric_char, split_unit};

/// What a metric is, as far as naming goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum MetricKind {
    /// Gauge: unit `1` gets `_ratio`.
    Gauge,
    /// Monotonic sum (counter): gets `_total`.
    MonotonicSum,
    /// Non-monotonic sum (UpDownCounter): stored as a gauge, but never gets `_ratio`.
    NonMonotonicSum,
    /// Explicit-bucket histogram.
    Histogram,
    /// Exponential histogram.
    ExponentialHistogram,
    /// Summary.
    Summary,
}

/// The Prometheus family name of a metric, or why it has none.
pub(super) fn metric_name(
    name: &str,
    unit: &str,
    kind: MetricKind,
    opts: &MetricsOptions,
) -> Result<String, String> {
    let ns = opts.namespace();
    let built = match opts.strategy {
        TranslationStrategy::UnderscoreEscapingWithSuffixes => {
            escaped_with_suffixes(name, unit, kind, ns)
        }
        TranslationStrategy::UnderscoreEscapingWithoutSuffixes => escaped_plain(name, ns),
        TranslationStrategy::NoUTF8EscapingWithSuffixes => utf8(name, unit, kind, ns, true),
        TranslationStrategy::NoTranslation => utf8(name, unit, kind, ns, false),
    };
    if built.is_empty() {
        Err(format!("metric name {name:?} is empty after translation"))
    } else if built.bytes().all(|b| b == b'_') {
        Err(format!(
            "metric name {name:?} translates to {built:?}, only underscores"
        ))
    } else {
        Ok(built)
    }
}

fn escaped_with_suffixes(name: &str, unit: &str, kind: MetricKind, ns: Option<&str>) -> String {
    let parts = split_unit(unit);
    let main = clean_unit(parts.main);
    let per = clean_unit(&parts.per_suffix());

    let mut tokens: Vec<&str> = name
        .split(|c| !is_metric_char(c))
        .filter(|t| !t.is_empty())
        .collect();

    // The main unit is skipped when it equals any single token of the name; the per suffix
    // (`per_second`) is compared as one token, so in practice it is always appended.
    let mut main = if tokens.contains(&main.as_str()) {
        ""
    } else {
        main.as_str()
    };
    let per = match per.as_str() {
        "per_" => "",
        p => {
            let p = p.strip_suffix('_').unwrap_or(p);
            if tokens.contains(&p) { "" } else { p }
        }
    };
    if !per.is_empty() {
        main = main.strip_suffix('_').unwrap_or(main);
    }
    tokens.extend([main, per].into_iter().filter(|t| !t.is_empty()));

    match kind {
        MetricKind::MonotonicSum => move_to_end(&mut tokens, "total"),
        MetricKind::Gauge if unit == "1" => move_to_end(&mut tokens, "ratio"),
        _ => {}
    }
    let joined = tokens.join("_");
    let ns = ns.map(|ns| {
        ns.split(|c| !is_metric_char(c))
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("_")
    });
    lead_digit(prefix_namespace(joined, ns.as_deref()))
}

/// Without suffixes only invalid characters are replaced: runs of them become one `_`,
/// existing underscores are kept.
fn escaped_plain(name: &str, ns: Option<&str>) -> String {
    let sanitize = |s: &str| {
        s.split(|c: char| !is_metric_char(c) && c != '_')
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("_")
    };
    let ns = ns.map(sanitize);
    lead_digit(prefix_namespace(sanitize(name), ns.as_deref()))
}

fn utf8(name: &str, unit: &str, kind: MetricKind, ns: Option<&str>, suffixes: bool) -> String {
    let mut name = match ns {
        Some(ns) if !starts_with_word(name, ns) => format!("{ns}_{name}"),
        _ => name.to_string(),
    };
    if !suffixes {
        return name;
    }
    let ratio = kind == MetricKind::Gauge && unit == "1";
    let total = kind == MetricKind::MonotonicSum;
    if ratio {
        trim_suffix_and_delimiter(&mut name, "ratio");
    }
    if total {
        trim_suffix_and_delimiter(&mut name, "total");
    }
    let parts = split_unit(unit);
    let per = parts.per_suffix();
    if !per.is_empty() {
        trim_suffix_and_delimiter(&mut name, &per);
    }
    // The main unit is the innermost suffix: added unless the name already ends with it.
    if !parts.main.is_empty() && !name.ends_with(parts.main) {
        name.push('_');
        name.push_str(parts.main);
    }
    for (on, suffix) in [
        (!per.is_empty(), per.as_str()),
        (total, "total"),
        (ratio, "ratio"),
    ] {
        if on {
            name.push('_');
            name.push_str(suffix);
        }
    }
    name
}

/// Removes every `token` and appends one at the end (`total.requests` → `requests_total`).
fn move_to_end<'a>(tokens: &mut Vec<&'a str>, token: &'a str) {
    tokens.retain(|t| *t != token);
    tokens.push(token);
}

/// Prepends the namespace unless the name already starts with it (whole words only).
fn prefix_namespace(name: String, ns: Option<&str>) -> String {
    match ns {
        Some(ns) if !ns.is_empty() && !starts_with_word(&name, ns) => {
            if name.is_empty() {
                ns.to_string()
            } else {
                format!("{ns}_{name}")
            }
        }
        _ => name,
    }
}

/// Whether `name` is `prefix` or starts with it followed by a non-alphanumeric character.
fn starts_with_word(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_alphanumeric()))
}

/// Metric names cannot start with a digit.
fn lead_digit(name: String) -> String {
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    }
}

/// Drops `suffix` and the delimiter before it, if the name is longer than both.
fn trim_suffix_and_delimiter(name: &mut String, suffix: &str) {
    if name.ends_with(suffix) && name.len() > suffix.len() + 1 {
        let stem = &name[..name.len() - suffix.len()];
        // The delimiter is one character, which in a UTF-8 name may be several bytes.
        let cut = stem.char_indices().next_back().map_or(0, |(i, _)| i);
        name.truncate(cut);
    }
}
