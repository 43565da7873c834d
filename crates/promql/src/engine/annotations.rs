//! Warnings and infos: a set keyed by the rendered text, so the same annotation raised by many
//! series or steps appears once. Texts follow Prometheus' `util/annotations` exactly because
//! clients and the conformance suite match them literally.

use std::collections::HashSet;

use crate::parser::Span;

/// Whether an annotation is a warning or an info.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Warning,
    Info,
}

/// The histogram_quantile monotonicity info, merged over steps and series before rendering.
#[derive(Debug, Clone)]
struct Monotonicity {
    metric: String,
    span: Span,
    min_t: i64,
    max_t: i64,
    min_bucket: f64,
    max_bucket: f64,
    max_diff: f64,
    count: u64,
}

/// The annotations collected while evaluating one query.
#[derive(Debug, Default)]
pub(crate) struct Annotations {
    seen: HashSet<(Kind, String, Option<Span>)>,
    items: Vec<(Kind, String, Option<Span>)>,
    monotonicity: Vec<Monotonicity>,
}

impl Annotations {
    pub(crate) fn add(&mut self, kind: Kind, msg: String, span: Span) {
        let key = (kind, msg, Some(span));
        if self.seen.insert(key.clone()) {
            self.items.push(key);
        }
    }

    pub(crate) fn warn(&mut self, msg: String, span: Span) {
        self.add(Kind::Warning, msg, span);
    }

    pub(crate) fn info(&mut self, msg: String, span: Span) {
        self.add(Kind::Info, msg, span);
    }

    /// Records one forced-monotonicity fix of histogram_quantile at time `t`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn monotonicity(
        &mut self,
        metric: &str,
        span: Span,
        t: i64,
        min_bucket: f64,
        max_bucket: f64,
        max_diff: f64,
    ) {
        if let Some(m) = self
            .monotonicity
            .iter_mut()
            .find(|m| m.metric == metric && m.span == span)
        {
            m.min_t = m.min_t.min(t);
            m.max_t = m.max_t.max(t);
            m.min_bucket = m.min_bucket.min(min_bucket);
            m.max_bucket = m.max_bucket.max(max_bucket);
            m.max_diff = m.max_diff.max(max_diff);
            m.count += 1;
            return;
        }
        self.monotonicity.push(Monotonicity {
            metric: metric.to_string(),
            span,
            min_t: t,
            max_t: t,
            min_bucket,
            max_bucket,
            max_diff,
            count: 1,
        });
    }

    /// Renders `(warnings, infos)` with ` (line:col)` suffixes computed against `query` (no
    /// suffix when the query text is unknown).
    pub(crate) fn render(&self, query: Option<&str>) -> (Vec<String>, Vec<String>) {
        let mut warnings = Vec::new();
        let mut infos = Vec::new();
        let suffix = |span: Option<Span>| match (query, span) {
            (Some(q), Some(s)) => format!(" ({})", position(q, s.start)),
            _ => String::new(),
        };
        for (kind, msg, span) in &self.items {
            let (prefix, out) = match kind {
                Kind::Warning => ("PromQL warning", &mut warnings),
                Kind::Info => ("PromQL info", &mut infos),
            };
            out.push(format!("{prefix}: {msg}{}", suffix(*span)));
        }
        for m in &self.monotonicity {
            let mut msg = String::from(
                "PromQL info: input to histogram_quantile needed to be fixed for monotonicity \
                 (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)",
            );
            if !m.metric.is_empty() {
                msg.push_str(&format!(" for metric name {:?}", m.metric));
            }
            msg.push_str(&format!(
                ", from buckets {} to {}, with a max diff of {}, over {} samples from {} to {}",
                super::functions::format_go_g(m.min_bucket, None),
                super::functions::format_go_g(m.max_bucket, None),
                super::functions::format_go_g(m.max_diff, Some(2)),
                m.count,
                super::functions::rfc3339(m.min_t),
                super::functions::rfc3339(m.max_t),
            ));
            msg.push_str(&suffix(Some(m.span)));
            infos.push(msg);
        }
        (warnings, infos)
    }
}

/// `line:col` of byte offset `pos`, both 1-based, as Prometheus' `StartPosInput`.
fn position(query: &str, pos: usize) -> String {
    let pos = pos.min(query.len());
    let before = &query.as_bytes()[..pos];
    let line = before.iter().filter(|&&b| b == b'\n').count();
    let col = match before.iter().rposition(|&b| b == b'\n') {
        Some(i) => pos - i,
        None => pos + 1,
    };
    format!("{}:{}", line + 1, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_line_and_column() {
        assert_eq!(position("rate(foo[1m])", 5), "1:6");
        assert_eq!(position("a\nbc", 3), "2:2");
    }
}
