//! The Prometheus response envelope and the JSON of query results.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use promql::Value;

use crate::format::{push_json_str, push_labels, push_time, push_value};

/// Most annotations of each kind returned, as Prometheus caps them.
const MAX_ANNOTATIONS: usize = 10;

/// A successful API answer: `data` already encoded as JSON, plus annotations.
#[derive(Debug, Default)]
pub struct Success {
    /// The `data` member, as JSON text.
    pub data: String,
    /// Warnings (`warnings`, omitted when empty).
    pub warnings: Vec<String>,
    /// Infos (`infos`, omitted when empty).
    pub infos: Vec<String>,
}

impl Success {
    /// An answer with `data` and no annotations.
    pub fn new(data: String) -> Self {
        Success {
            data,
            ..Success::default()
        }
    }

    /// The envelope's JSON text.
    pub fn body(&self) -> String {
        let mut out = String::with_capacity(self.data.len() + 64);
        out.push_str(r#"{"status":"success","data":"#);
        out.push_str(&self.data);
        push_annotations(&mut out, "warnings", "warning", &self.warnings);
        push_annotations(&mut out, "infos", "info", &self.infos);
        out.push('}');
        out
    }
}

fn push_annotations(out: &mut String, key: &str, kind: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    out.push_str(",\"");
    out.push_str(key);
    out.push_str("\":[");
    for (i, a) in items.iter().take(MAX_ANNOTATIONS).enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_str(out, a);
    }
    if items.len() > MAX_ANNOTATIONS {
        out.push(',');
        push_json_str(
            out,
            &format!(
                "{} more {kind} annotations omitted",
                items.len() - MAX_ANNOTATIONS
            ),
        );
    }
    out.push(']');
}

impl IntoResponse for Success {
    fn into_response(self) -> Response {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            self.body(),
        )
            .into_response()
    }
}

/// `{"resultType":..,"result":..}` for a query result.
pub fn value_json(v: &Value) -> String {
    let mut out = String::new();
    out.push_str(r#"{"resultType":""#);
    out.push_str(v.type_name());
    out.push_str(r#"","result":"#);
    match v {
        Value::Scalar(t, x) => push_point(&mut out, *t, *x),
        Value::String(t, s) => {
            out.push('[');
            push_time(&mut out, *t);
            out.push(',');
            push_json_str(&mut out, s);
            out.push(']');
        }
        Value::Vector(samples) => {
            out.push('[');
            for (i, (labels, t, x)) in samples.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(r#"{"metric":"#);
                push_labels(&mut out, labels);
                out.push_str(r#","value":"#);
                push_point(&mut out, *t, *x);
                out.push('}');
            }
            out.push(']');
        }
        Value::Matrix(series) => {
            out.push('[');
            for (i, (labels, points)) in series.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(r#"{"metric":"#);
                push_labels(&mut out, labels);
                if !points.is_empty() {
                    out.push_str(r#","values":["#);
                    for (j, (t, x)) in points.iter().enumerate() {
                        if j > 0 {
                            out.push(',');
                        }
                        push_point(&mut out, *t, *x);
                    }
                    out.push(']');
                }
                out.push('}');
            }
            out.push(']');
        }
    }
    out.push('}');
    out
}

fn push_point(out: &mut String, t: i64, v: f64) {
    out.push('[');
    push_time(out, t);
    out.push_str(",\"");
    push_value(out, v);
    out.push_str("\"]");
}

/// A JSON array of strings.
pub fn string_array(items: &[String]) -> String {
    let mut out = String::from("[");
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_str(&mut out, s);
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::Labels;

    #[test]
    fn scalar_and_vector_json() {
        assert_eq!(
            value_json(&Value::Scalar(4000, 2.0)),
            r#"{"resultType":"scalar","result":[4,"2"]}"#
        );
        let l = Labels::from_pairs([("__name__", "up"), ("job", "a")]).expect("labels");
        let v = Value::Vector(vec![(l.clone(), 1500, f64::NAN)]);
        assert_eq!(
            value_json(&v),
            r#"{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a"},"value":[1.500,"NaN"]}]}"#
        );
        let m = Value::Matrix(vec![(l, vec![(0, 1.0), (15_000, f64::INFINITY)])]);
        assert!(value_json(&m).contains(r#""values":[[0,"1"],[15,"+Inf"]]"#));
    }

    #[test]
    fn annotations_are_capped_at_ten() {
        let s = Success {
            data: "[]".into(),
            warnings: (0..12).map(|i| format!("w{i}")).collect(),
            infos: vec![],
        };
        let body = s.body();
        assert!(
            body.contains("\"2 more warning annotations omitted\""),
            "{body}"
        );
        assert!(!body.contains("infos"));
    }
}
