//! Exemplars: the `trace_id`/`span_id` of a measurement, kept on counter series and on the
//! histogram bucket the measurement fell in, so a dashboard can jump from a latency spike
//! to a trace.

use std::fmt::Write as _;

use model::{Label, Labels, SeriesExemplars};
use opentelemetry_proto::tonic::metrics::v1::{Exemplar, exemplar};

use super::Translator;

/// OpenMetrics caps the text of an exemplar's labels (names and values) at 128 runes; the
/// filtered attributes are only kept when they fit.
const MAX_EXEMPLAR_RUNES: usize = 128;

/// Lowercase hex of an id of `len` bytes, or `None` when it is missing, malformed or zero.
fn hex_id(bytes: &[u8], len: usize) -> Option<String> {
    if bytes.len() != len || bytes.iter().all(|b| *b == 0) {
        return None;
    }
    let mut s = String::with_capacity(2 * len);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    Some(s)
}

impl<'a> Translator<'a> {
    /// The exemplars of a point that have a value.
    pub(super) fn exemplars(&mut self, exemplars: &'a [Exemplar]) -> Vec<model::Exemplar> {
        exemplars.iter().filter_map(|e| self.exemplar(e)).collect()
    }

    fn exemplar(&mut self, e: &'a Exemplar) -> Option<model::Exemplar> {
        let value = match e.value? {
            exemplar::Value::AsDouble(v) => v,
            exemplar::Value::AsInt(i) => i as f64,
        };
        let mut pairs = Vec::with_capacity(2 + e.filtered_attributes.len());
        let mut runes = 0;
        for (name, id) in [
            (&self.names.trace_id, hex_id(&e.trace_id, 16)),
            (&self.names.span_id, hex_id(&e.span_id, 8)),
        ] {
            if let Some(id) = id {
                runes += name.chars().count() + id.len();
                pairs.push(Label::new(std::sync::Arc::clone(name), id));
            }
        }
        let mut attrs = Vec::new();
        if self
            .names
            .attributes(&e.filtered_attributes, |_| false, &mut attrs)
            .is_ok()
        {
            runes += attrs
                .iter()
                .map(|l| l.name.chars().count() + l.value.chars().count())
                .sum::<usize>();
            if runes <= MAX_EXEMPLAR_RUNES {
                let ids = pairs.len();
                for l in attrs {
                    // The ids win over attributes of the same name.
                    if !pairs[..ids].iter().any(|p| p.name == l.name) {
                        pairs.push(l);
                    }
                }
            }
        }
        let labels = Labels::new(pairs).ok()?;
        Some(model::Exemplar {
            labels,
            value,
            t: super::ms(e.time_unix_nano),
        })
    }

    /// Attaches a histogram point's exemplars to its bucket series, which are at
    /// `first_bucket..` in the output (one per bound, then `+Inf`): each goes to the bucket
    /// with the smallest bound at or above its value, else to `+Inf`.
    pub(super) fn bucket_exemplars(
        &mut self,
        exemplars: &'a [Exemplar],
        bounds: &[f64],
        first_bucket: usize,
    ) {
        let mut per_bucket: Vec<(usize, Vec<model::Exemplar>)> = Vec::new();
        for e in self.exemplars(exemplars) {
            let v = e.value;
            if v.is_nan() {
                continue;
            }
            let bucket = bounds
                .iter()
                .enumerate()
                .filter(|(_, b)| v <= **b)
                .min_by(|a, b| a.1.total_cmp(b.1))
                .map_or(bounds.len(), |(i, _)| i);
            match per_bucket.iter_mut().find(|(b, _)| *b == bucket) {
                Some((_, list)) => list.push(e),
                None => per_bucket.push((bucket, vec![e])),
            }
        }
        for (bucket, exemplars) in per_bucket {
            if let Some(series) = self.out.series.get(first_bucket + bucket) {
                let labels = series.labels.clone();
                self.out
                    .exemplars
                    .push(SeriesExemplars { labels, exemplars });
            }
        }
    }
}
