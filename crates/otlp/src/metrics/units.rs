//! OTel (UCUM) units → Prometheus unit words: `ms` → `milliseconds`, `By/s` →
//! `bytes_per_second`, `1` → nothing, `{token}` → nothing.

/// The two halves of a unit, mapped through the unit tables but not yet cleaned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct UnitParts<'a> {
    /// The main unit (`milliseconds`, or an unknown unit as given); empty for none.
    pub(super) main: &'a str,
    /// The "per" unit without its `per_` prefix (`second`); empty for none.
    pub(super) per: &'a str,
}

impl UnitParts<'_> {
    /// The per suffix as appended to names: `per_second`, or empty.
    pub(super) fn per_suffix(&self) -> String {
        if self.per.is_empty() {
            String::new()
        } else {
            format!("per_{}", self.per)
        }
    }
}

/// Splits `unit` at the first `/` and maps each half. A half that is blank or contains a
/// curly brace (an annotation such as `{token}`) contributes nothing; unknown units pass
/// through unchanged.
pub(super) fn split_unit(unit: &str) -> UnitParts<'_> {
    let (main, per) = match unit.split_once('/') {
        Some((m, p)) => (m, Some(p)),
        None => (unit, None),
    };
    let main = main.trim();
    let main = if main.is_empty() || has_brace(main) {
        ""
    } else {
        main_unit(main)
    };
    let per = match per.map(str::trim) {
        Some(p) if !p.is_empty() && !has_brace(p) => per_unit(p),
        _ => "",
    };
    UnitParts { main, per }
}

/// The unit as Prometheus reports it in metadata (`UNIT`): main and per parts joined with
/// `_`, cleaned to the classic charset when `escape` is set.
pub(super) fn unit_metadata(unit: &str, escape: bool) -> String {
    let parts = split_unit(unit);
    let (mut main, mut per) = (parts.main.to_string(), parts.per_suffix());
    if escape {
        main = clean_unit(&main);
        per = clean_unit(&per);
    }
    let joined = match (main.is_empty(), per.is_empty()) {
        (false, false) => format!("{main}_{per}"),
        (false, true) => main,
        _ => per,
    };
    let joined = joined.strip_prefix('_').unwrap_or(&joined);
    joined.strip_suffix('_').unwrap_or(joined).to_string()
}

/// Replaces characters outside `[a-zA-Z0-9:]` with `_`, collapses runs of `_` and drops a
/// leading `_`, so a unit can be used as a name token.
pub(super) fn clean_unit(unit: &str) -> String {
    let mut out = String::with_capacity(unit.len());
    for c in unit.chars() {
        let c = if is_metric_char(c) { c } else { '_' };
        if c == '_' && (out.is_empty() || out.ends_with('_')) {
            continue;
        }
        out.push(c);
    }
    out
}

/// `[a-zA-Z0-9:]`: the characters that do not separate name tokens.
pub(super) fn is_metric_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == ':'
}

fn has_brace(s: &str) -> bool {
    s.contains(['{', '}'])
}

fn main_unit(unit: &str) -> &str {
    match unit {
        "d" => "days",
        "h" => "hours",
        "min" => "minutes",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "TiBy" => "tibibytes",
        "KBy" => "kilobytes",
        "MBy" => "megabytes",
        "GBy" => "gigabytes",
        "TBy" => "terabytes",
        "m" => "meters",
        "V" => "volts",
        "A" => "amperes",
        "J" => "joules",
        "W" => "watts",
        "g" => "grams",
        "Cel" => "celsius",
        "Hz" => "hertz",
        "%" => "percent",
        "1" => "",
        other => other,
    }
}

fn per_unit(unit: &str) -> &str {
    match unit {
        "s" => "second",
        "m" => "minute",
        "h" => "hour",
        "d" => "day",
        "w" => "week",
        "mo" => "month",
        "y" => "year",
        other => other,
    }
}
