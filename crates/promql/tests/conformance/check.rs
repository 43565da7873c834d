//! Comparing a query outcome with an eval's expectations, as upstream's harness does.

use model::{Labels, is_stale};
use otelstore_promql::{QueryResult, SeqValue, Value};

use super::script::{Eval, ExpectKind, Expected};

/// Prometheus' `almost.Equal` with the harness's stale-marker rule.
pub(crate) fn almost_equal(a: f64, b: f64) -> bool {
    const EPS: f64 = 1e-6;
    const MIN_NORMAL: f64 = 2.2250738585072014e-308;
    if is_stale(a) || is_stale(b) {
        return is_stale(a) && is_stale(b);
    }
    if a.is_nan() && b.is_nan() {
        return true;
    }
    if a == b {
        return true;
    }
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || a.abs() + b.abs() < MIN_NORMAL {
        return diff < EPS * MIN_NORMAL;
    }
    diff / (a.abs() + b.abs()).min(f64::MAX) < EPS
}

/// Checks the annotations; `Err` describes the mismatch.
pub(crate) fn annotations(ev: &Eval, res: &QueryResult) -> Result<(), String> {
    for (kind, got, no) in [
        (ExpectKind::Warn, &res.warnings, ev.no_warn),
        (ExpectKind::Info, &res.infos, ev.no_info),
    ] {
        let name = if kind == ExpectKind::Warn {
            "warning"
        } else {
            "info"
        };
        if no && !got.is_empty() {
            return Err(format!("unexpected {name} annotations: {got:?}"));
        }
        let wanted: Vec<_> = ev
            .annos
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, m)| m)
            .collect();
        if wanted.is_empty() {
            continue;
        }
        for m in &wanted {
            if !got.iter().any(|g| m.matches(g)) {
                return Err(format!("expected {name} annotation {m:?}, got {got:?}"));
            }
        }
        for g in got {
            if !wanted.iter().any(|m| m.matches(g)) {
                return Err(format!("unexpected {name} annotation {g:?}"));
            }
        }
    }
    Ok(())
}

fn fmt_vals(v: &[(i64, f64)]) -> String {
    v.iter()
        .map(|(t, x)| format!("{x}@{t}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Expected points of a series line: value k at `start + k*step`.
fn expected_points(vals: &[SeqValue], start: i64, step: i64) -> Vec<(i64, f64)> {
    vals.iter()
        .enumerate()
        .filter_map(|(k, v)| match v {
            SeqValue::Value(x) => Some((start + k as i64 * step, *x)),
            SeqValue::Omitted => None,
        })
        .collect()
}

fn compare_matrix(
    want: &[(Labels, Vec<(i64, f64)>)],
    got: &[(Labels, Vec<(i64, f64)>)],
) -> Result<(), String> {
    let mut diff = Vec::new();
    for (l, w) in want {
        match got.iter().find(|(g, _)| g == l) {
            None => diff.push(format!("- {l} {}", fmt_vals(w))),
            Some((_, g)) => {
                let same = g.len() == w.len()
                    && g.iter()
                        .zip(w)
                        .all(|(a, b)| a.0 == b.0 && almost_equal(a.1, b.1));
                if !same {
                    diff.push(format!("- {l} {}\n+ {l} {}", fmt_vals(w), fmt_vals(g)));
                }
            }
        }
    }
    for (l, g) in got {
        if !want.iter().any(|(w, _)| w == l) {
            diff.push(format!("+ {l} {}", fmt_vals(g)));
        }
    }
    if diff.is_empty() {
        Ok(())
    } else {
        Err(diff.join("\n"))
    }
}

/// Checks a result against the expectations. `at` is the instant eval time.
pub(crate) fn result(ev: &Eval, value: &Value) -> Result<(), String> {
    match (&ev.expected, value) {
        (Expected::Scalar(w), Value::Scalar(_, g)) => {
            if almost_equal(*w, *g) {
                Ok(())
            } else {
                Err(format!("- {w}\n+ {g}"))
            }
        }
        (Expected::Scalar(_), other) => Err(format!(
            "expected scalar result, but got {}",
            other.type_name()
        )),
        (Expected::String(w), Value::String(_, g)) => {
            if w == g {
                Ok(())
            } else {
                Err(format!("- {w:?}\n+ {g:?}"))
            }
        }
        (Expected::String(_), other) => Err(format!(
            "expected string result, but got {}",
            other.type_name()
        )),
        (Expected::Series(want), Value::Vector(got))
            if ev.range.is_none() && ev.range_vector.is_none() =>
        {
            if ev.ordered {
                let w: Vec<String> = want.iter().map(|(l, v)| format!("{l} {v:?}")).collect();
                let g: Vec<String> = got.iter().map(|(l, _, v)| format!("{l} {v}")).collect();
                let same = want.len() == got.len()
                    && want.iter().zip(got).all(|((wl, wv), (gl, _, gv))| {
                        wl == gl && matches!(wv.as_slice(), [SeqValue::Value(x)] if almost_equal(*x, *gv))
                    });
                return if same {
                    Ok(())
                } else {
                    Err(format!("ordered:\n- {w:?}\n+ {g:?}"))
                };
            }
            let w: Vec<_> = want
                .iter()
                .map(|(l, v)| (l.clone(), expected_points(v, ev.at, 0)))
                .collect();
            let g: Vec<_> = got
                .iter()
                .map(|(l, t, v)| (l.clone(), vec![(*t, *v)]))
                .collect();
            compare_matrix(&w, &g)
        }
        (Expected::Series(want), Value::Matrix(got)) => {
            let (start, step) = match (ev.range, ev.range_vector) {
                (Some((s, _, st)), _) => (s, st),
                (None, Some((s, _, st))) => (s, st),
                (None, None) => return Err("expected vector, got matrix".into()),
            };
            if ev.range.is_some() && got.windows(2).any(|w| w[0].0 >= w[1].0) {
                return Err("range query result is not sorted by labels".into());
            }
            let w: Vec<_> = want
                .iter()
                .map(|(l, v)| (l.clone(), expected_points(v, start, step)))
                .collect();
            compare_matrix(&w, got)
        }
        (Expected::Series(_), other) => {
            Err(format!("unexpected result type {}", other.type_name()))
        }
    }
}

/// The range-mode re-run of an instant eval: points at `at` must equal the instant result.
pub(crate) fn range_equivalence(ev: &Eval, value: &Value) -> Result<(), String> {
    let Value::Matrix(m) = value else {
        return Err("range query did not return a matrix".into());
    };
    if m.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err("range query result is not sorted by labels".into());
    }
    let at_t: Vec<(Labels, i64, f64)> = m
        .iter()
        .filter_map(|(l, pts)| {
            pts.iter()
                .find(|p| p.0 == ev.at)
                .map(|p| (l.clone(), p.0, p.1))
        })
        .collect();
    match &ev.expected {
        Expected::Scalar(w) => match at_t.first() {
            Some((_, _, g)) if almost_equal(*w, *g) => Ok(()),
            other => Err(format!("range mode: - {w}\n+ {other:?}")),
        },
        Expected::Series(_) => {
            result(ev, &Value::Vector(at_t)).map_err(|e| format!("range mode:\n{e}"))
        }
        Expected::String(_) => Ok(()),
    }
}
