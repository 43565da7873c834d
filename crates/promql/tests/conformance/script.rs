//! Parsing promqltest scripts into commands (see docs/promqltest-format.md of the project).

use model::Labels;
use otelstore_promql::{SeqValue, parse_series_desc};

/// A `load` body line.
#[derive(Debug)]
pub(crate) enum LoadLine {
    Float(Labels, Vec<SeqValue>),
    /// The float samples of a line that also has native histograms (histograms omitted).
    /// A line with native histogram literals: not loadable by a float store.
    Histogram(Option<Labels>),
}

#[derive(Debug)]
pub(crate) enum Command {
    Load {
        interval: i64,
        lines: Vec<LoadLine>,
        nhcb: bool,
    },
    Clear,
    Eval(Box<Eval>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExpectKind {
    Warn,
    Info,
}

#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    Any,
    Msg(String),
    Regex(regex::Regex),
}

impl Matcher {
    pub(crate) fn matches(&self, s: &str) -> bool {
        match self {
            Matcher::Any => true,
            Matcher::Msg(m) => m == s,
            Matcher::Regex(r) => r.is_match(s),
        }
    }
}

#[derive(Debug)]
pub(crate) enum Expected {
    Scalar(f64),
    String(String),
    Series(Vec<(Labels, Vec<SeqValue>)>),
}

#[derive(Debug)]
pub(crate) struct Eval {
    pub(crate) line: usize,
    pub(crate) expr: String,
    /// `None` for instant evals.
    pub(crate) range: Option<(i64, i64, i64)>,
    pub(crate) at: i64,
    pub(crate) fail: Option<Matcher>,
    pub(crate) ordered: bool,
    pub(crate) annos: Vec<(ExpectKind, Matcher)>,
    pub(crate) no_warn: bool,
    pub(crate) no_info: bool,
    /// `expect range vector from .. to .. step ..`.
    pub(crate) range_vector: Option<(i64, i64, i64)>,
    pub(crate) expected: Expected,
    /// The body could not be parsed (e.g. histogram literals): the eval cannot pass.
    pub(crate) unparsable: Option<String>,
}

/// `model.ParseDuration`: `1h30m`, `0`, units y w d h m s ms.
pub(crate) fn duration(s: &str) -> Result<i64, String> {
    if s == "0" {
        return Ok(0);
    }
    let units = [
        ("ms", 1i64),
        ("y", 365 * 86_400_000),
        ("w", 7 * 86_400_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
    ];
    let mut rest = s;
    let mut total = 0i64;
    if rest.is_empty() {
        return Err(format!("bad duration {s:?}"));
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("bad duration {s:?}"));
        }
        let n: i64 = rest[..digits]
            .parse()
            .map_err(|_| format!("bad duration {s:?}"))?;
        rest = &rest[digits..];
        let Some((u, mult)) = units.iter().find(|(u, _)| rest.starts_with(u)) else {
            return Err(format!("bad duration {s:?}"));
        };
        rest = &rest[u.len()..];
        total += n * mult;
    }
    Ok(total)
}

pub(crate) fn parse(text: &str) -> Result<Vec<(usize, Command)>, String> {
    let lines: Vec<String> = text
        .split('\n')
        .map(|l| {
            let t = l.trim_matches([' ', '\t', '\r']);
            if t.starts_with('#') {
                String::new()
            } else {
                t.to_string()
            }
        })
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        if line.is_empty() {
            i += 1;
            continue;
        }
        let start = i;
        let mut body = Vec::new();
        i += 1;
        let word = line.split_whitespace().next().unwrap_or("").to_lowercase();
        // `clear` is a single line; the next line starts a new command.
        while word != "clear" && i < lines.len() && !lines[i].is_empty() {
            body.push((i + 1, lines[i].as_str()));
            i += 1;
        }
        let cmd = if word == "clear" {
            Command::Clear
        } else if word.starts_with("load") {
            parse_load(line, &body).map_err(|e| format!("line {}: {e}", start + 1))?
        } else if word.starts_with("eval") {
            Command::Eval(Box::new(parse_eval(start + 1, line, &body)?))
        } else {
            return Err(format!("line {}: unknown command {line:?}", start + 1));
        };
        out.push((start + 1, cmd));
    }
    Ok(out)
}

fn parse_load(header: &str, body: &[(usize, &str)]) -> Result<Command, String> {
    let interval = header
        .split_whitespace()
        .nth(1)
        .ok_or("load needs an interval")?;
    let interval = duration(interval)?;
    let mut lines = Vec::new();
    for (n, l) in body {
        if l.split_whitespace()
            .next()
            .is_some_and(|w| w.ends_with("@st"))
        {
            // Start timestamps of the next line: only used by an unsupported experiment.
            continue;
        }
        if l.contains("{{") {
            // Keep the series identity: parse the selector with a dummy value.
            let sel_end = l.find("{{").unwrap_or(l.len());
            let sel = l[..sel_end].trim();
            let labels = parse_series_desc(&format!("{sel} 0")).map(|x| x.0).ok();
            lines.push(LoadLine::Histogram(labels));
            if let Ok((labels, vals)) = parse_series_desc(&blank_histograms(l)) {
                lines.push(LoadLine::Float(labels, vals));
            }
            continue;
        }
        let (labels, vals) = parse_series_desc(l).map_err(|e| format!("line {n}: {e}"))?;
        lines.push(LoadLine::Float(labels, vals));
    }
    let nhcb = header.to_lowercase().starts_with("load_with_nhcb");
    Ok(Command::Load {
        interval,
        lines,
        nhcb,
    })
}

fn matcher(rest: &str) -> Result<Matcher, String> {
    let rest = rest.trim();
    if let Some(m) = rest.strip_prefix("msg:") {
        Ok(Matcher::Msg(m.trim().to_string()))
    } else if let Some(r) = rest.strip_prefix("regex:") {
        regex::Regex::new(r.trim())
            .map(Matcher::Regex)
            .map_err(|e| e.to_string())
    } else if rest.is_empty() {
        Ok(Matcher::Any)
    } else {
        Err(format!("bad expectation {rest:?}"))
    }
}

fn parse_eval(line: usize, header: &str, body: &[(usize, &str)]) -> Result<Eval, String> {
    let err = |m: String| format!("line {line}: {m}");
    let (word, rest) = header
        .split_once(char::is_whitespace)
        .ok_or_else(|| err("bad eval".into()))?;
    let rest = rest.trim_start();
    let mut ev = Eval {
        line,
        expr: String::new(),
        range: None,
        at: 0,
        fail: None,
        ordered: false,
        annos: Vec::new(),
        no_warn: false,
        no_info: false,
        range_vector: None,
        expected: Expected::Series(Vec::new()),
        unparsable: None,
    };
    match word {
        "eval" => {}
        "eval_fail" => ev.fail = Some(Matcher::Any),
        "eval_ordered" => ev.ordered = true,
        "eval_warn" => ev.annos.push((ExpectKind::Warn, Matcher::Any)),
        "eval_info" => ev.annos.push((ExpectKind::Info, Matcher::Any)),
        other => return Err(err(format!("unknown eval variant {other}"))),
    }
    let words: Vec<&str> = rest.splitn(8, char::is_whitespace).collect();
    let nth_rest = |n: usize| -> String {
        let mut r = rest;
        for _ in 0..n {
            r = r.trim_start();
            r = r.split_once(char::is_whitespace).map_or("", |x| x.1);
        }
        r.trim().to_string()
    };
    match words.first().copied() {
        Some("instant") if words.get(1) == Some(&"at") => {
            ev.at = duration(words.get(2).copied().unwrap_or("")).map_err(err)?;
            ev.expr = nth_rest(3);
        }
        Some("range") if words.get(1) == Some(&"from") => {
            let d = |i: usize| duration(words.get(i).copied().unwrap_or("")).map_err(err);
            ev.range = Some((d(2)?, d(4)?, d(6)?));
            ev.expr = nth_rest(7);
        }
        _ => return Err(err(format!("bad eval header {header:?}"))),
    }
    let mut series = Vec::new();
    for (n, l) in body {
        let mut parts = l.splitn(2, ' ');
        if parts.next() == Some("expect") {
            let rest = parts.next().unwrap_or("").trim();
            let (kind, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            match kind {
                "fail" => ev.fail = Some(matcher(tail)?),
                "warn" => ev.annos.push((ExpectKind::Warn, matcher(tail)?)),
                "info" => ev.annos.push((ExpectKind::Info, matcher(tail)?)),
                "no_warn" => ev.no_warn = true,
                "no_info" => ev.no_info = true,
                "ordered" => ev.ordered = true,
                "string" => {
                    let s = tail.trim();
                    let unq = if s.starts_with('`') {
                        s.trim_matches('`').to_string()
                    } else {
                        go_unquote(s).ok_or_else(|| format!("line {n}: bad string {s:?}"))?
                    };
                    ev.expected = Expected::String(unq);
                }
                "range" => {
                    let w: Vec<&str> = tail.split_whitespace().collect();
                    if w.len() != 7 || w[0] != "vector" {
                        return Err(format!("line {n}: bad range vector expectation"));
                    }
                    ev.range_vector = Some((duration(w[2])?, duration(w[4])?, duration(w[6])?));
                }
                other => return Err(format!("line {n}: unknown expectation {other}")),
            }
            continue;
        }
        if let Some(v) = parse_scalar(l) {
            ev.expected = Expected::Scalar(v);
            break;
        }
        if l.contains("{{") {
            ev.unparsable = Some("expected native histogram".into());
            continue;
        }
        match parse_series_desc(l) {
            Ok(s) => series.push(s),
            Err(e) => ev.unparsable = Some(format!("line {n}: {e}")),
        }
    }
    if !series.is_empty() {
        ev.expected = Expected::Series(series);
    }
    Ok(ev)
}

fn parse_scalar(l: &str) -> Option<f64> {
    if l.contains(char::is_whitespace) {
        return None;
    }
    let t = l.trim_start_matches(['+', '-']);
    let neg = l.starts_with('-');
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()? as f64
    } else if t.eq_ignore_ascii_case("inf") || t.eq_ignore_ascii_case("nan") {
        t.to_lowercase().parse::<f64>().ok()?
    } else if t.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        t.parse::<f64>().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

fn go_unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

/// Replaces every histogram item (`{{..}}`, `{{..}}xN`, `{{..}}+{{..}}xN`) with as many
/// omitted slots, so the float samples of a mixed line keep their timestamps.
fn blank_histograms(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let mut tail = &rest[start..];
        // One or two literals joined by + or -.
        loop {
            let Some(end) = tail.find("}}") else {
                return line.to_string();
            };
            tail = &tail[end + 2..];
            if (tail.starts_with("+{{") || tail.starts_with("-{{")) && tail.len() > 1 {
                tail = &tail[1..];
                continue;
            }
            break;
        }
        if let Some(n) = tail.strip_prefix('x') {
            let digits = n.find(|c: char| !c.is_ascii_digit()).unwrap_or(n.len());
            out.push_str(&format!("_ _x{}", &n[..digits]));
            tail = &n[digits..];
        } else {
            out.push('_');
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}
