//! Kahan–Neumaier compensated summation, as Prometheus uses it for `sum`, `avg`,
//! `sum_over_time`, `avg_over_time`, the variance functions and linear regression.

/// Adds `inc` to `sum` with compensation `c`; returns the new `(sum, c)`. The result is
/// `sum + c`. An infinite running sum resets the compensation, which would otherwise be NaN.
#[inline]
pub(crate) fn inc(inc: f64, sum: f64, c: f64) -> (f64, f64) {
    let t = sum + inc;
    if t.is_infinite() {
        (t, 0.0)
    } else if sum.abs() >= inc.abs() {
        (t, c + ((sum - t) + inc))
    } else {
        (t, c + ((inc - t) + sum))
    }
}

/// The φ-quantile of `values` as Prometheus' `quantile` (NaN sorts first, linear
/// interpolation between the closest ranks). Sorts `values` in place.
pub(crate) fn quantile(q: f64, values: &mut [f64]) -> f64 {
    if values.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    values.sort_by(|a, b| nan_first(*a, *b));
    let n = values.len() as f64;
    let rank = q * (n - 1.0);
    let lower = rank.floor().max(0.0);
    let upper = (lower + 1.0).min(n - 1.0);
    let weight = rank - rank.floor();
    values[lower as usize] * (1.0 - weight) + values[upper as usize] * weight
}

/// Ascending order with NaN before every number.
pub(crate) fn nan_first(a: f64, b: f64) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensates_cancellation() {
        let (mut s, mut c) = (0.0, 0.0);
        for x in [1.0, 1e100, 1.0, -1e100] {
            (s, c) = inc(x, s, c);
        }
        assert_eq!(s + c, 2.0);
    }

    #[test]
    fn quantile_interpolates() {
        assert_eq!(quantile(0.5, &mut [3.0, 1.0, 2.0, 4.0]), 2.5);
        assert!(quantile(0.5, &mut []).is_nan());
        assert_eq!(quantile(2.0, &mut [1.0]), f64::INFINITY);
    }
}
