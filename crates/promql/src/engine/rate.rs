//! Counter and gauge range functions: `rate`, `increase`, `delta`, `irate`, `idelta`,
//! `resets`, `changes`, `deriv`, `predict_linear`.
//!
//! Each kernel gets one series' samples and every step's window, and writes one value per
//! step. `rate` and friends cost O(1) per step (plus the counter resets inside the window):
//! the reset positions are found once per series and a pointer walks them with the windows.

use super::kahan;

/// The samples of one series and the per-step windows over them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Windows<'a> {
    pub(crate) ts: &'a [i64],
    pub(crate) vs: &'a [f64],
    /// Per step: the samples `[lo, hi)` inside the window.
    pub(crate) win: &'a [(u32, u32)],
    /// Per step: the window end (`(@ or t) - offset`).
    pub(crate) refs: &'a [i64],
    /// The window length in milliseconds.
    pub(crate) range: i64,
}

/// `rate` (counter, per second), `increase` (counter) and `delta` (gauge), with Prometheus'
/// extrapolation towards the window boundaries.
pub(crate) fn extrapolated(w: Windows<'_>, is_counter: bool, is_rate: bool, out: &mut [f64]) {
    let (ts, vs) = (w.ts, w.vs);
    let resets: Vec<u32> = if is_counter {
        (1..vs.len())
            .filter(|&j| vs[j] < vs[j - 1])
            .map(|j| j as u32)
            .collect()
    } else {
        Vec::new()
    };
    let mut rp = 0usize;
    for (i, &(lo, hi)) in w.win.iter().enumerate() {
        if hi - lo < 2 {
            continue;
        }
        let (first, last) = (lo as usize, hi as usize - 1);
        let mut result = vs[last] - vs[first];
        if is_counter {
            while rp < resets.len() && resets[rp] as usize <= first {
                rp += 1;
            }
            let mut k = rp;
            while k < resets.len() && resets[k] as usize <= last {
                result += vs[resets[k] as usize - 1];
                k += 1;
            }
        }
        let range_end = w.refs[i];
        let range_start = range_end - w.range;
        let mut to_start = (ts[first] - range_start) as f64 / 1000.0;
        let mut to_end = (range_end - ts[last]) as f64 / 1000.0;
        let sampled = (ts[last] - ts[first]) as f64 / 1000.0;
        let avg_gap = sampled / (last - first) as f64;
        let threshold = avg_gap * 1.1;
        if to_start >= threshold {
            to_start = avg_gap / 2.0;
        }
        if is_counter && result > 0.0 && vs[first] >= 0.0 {
            // A counter cannot go below zero: do not extrapolate past its zero point.
            let to_zero = sampled * (vs[first] / result);
            if to_zero < to_start {
                to_start = to_zero;
            }
        }
        if to_end >= threshold {
            to_end = avg_gap / 2.0;
        }
        let mut factor = (sampled + to_start + to_end) / sampled;
        if is_rate {
            factor /= w.range as f64 / 1000.0;
        }
        out[i] = result * factor;
    }
}

/// `irate` and `idelta`: the last two samples of each window.
pub(crate) fn instant(w: Windows<'_>, is_rate: bool, out: &mut [f64]) {
    for (i, &(lo, hi)) in w.win.iter().enumerate() {
        if hi - lo < 2 {
            continue;
        }
        let (a, b) = (hi as usize - 2, hi as usize - 1);
        let interval = w.ts[b] - w.ts[a];
        if interval == 0 {
            continue;
        }
        let (va, vb) = (w.vs[a], w.vs[b]);
        // A counter reset leaves the newer value as the increase.
        let mut d = if is_rate && vb < va { vb } else { vb - va };
        if is_rate {
            d /= interval as f64 / 1000.0;
        }
        out[i] = d;
    }
}

/// `resets` (`changes = false`) or `changes`: pairs of adjacent samples inside the window that
/// decrease (resets) or differ (changes; NaN to NaN is no change).
pub(crate) fn count_pairs(w: Windows<'_>, changes: bool, out: &mut [f64]) {
    let vs = w.vs;
    // prefix[j] = number of qualifying pairs (k-1, k) with k <= j.
    let mut prefix = Vec::with_capacity(vs.len());
    let mut acc = 0u32;
    for j in 0..vs.len() {
        if j > 0 {
            let (p, c) = (vs[j - 1], vs[j]);
            let hit = if changes {
                c != p && !(c.is_nan() && p.is_nan())
            } else {
                c < p
            };
            acc += u32::from(hit);
        }
        prefix.push(acc);
    }
    for (i, &(lo, hi)) in w.win.iter().enumerate() {
        if hi > lo {
            out[i] = f64::from(prefix[hi as usize - 1] - prefix[lo as usize]);
        }
    }
}

/// Least-squares slope and intercept (at `x0`) of the samples, Kahan compensated.
pub(crate) fn linear_regression(ts: &[i64], vs: &[f64], x0: i64) -> (f64, f64) {
    let init = vs[0];
    let mut const_y = true;
    let (mut n, mut sx, mut cx, mut sy, mut cy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut sxy, mut cxy, mut sx2, mut cx2) = (0.0, 0.0, 0.0, 0.0);
    for (i, (&t, &v)) in ts.iter().zip(vs).enumerate() {
        if const_y && i > 0 && v != init {
            const_y = false;
        }
        n += 1.0;
        let x = (t - x0) as f64 / 1e3;
        (sx, cx) = kahan::inc(x, sx, cx);
        (sy, cy) = kahan::inc(v, sy, cy);
        (sxy, cxy) = kahan::inc(x * v, sxy, cxy);
        (sx2, cx2) = kahan::inc(x * x, sx2, cx2);
    }
    if const_y {
        if init.is_infinite() {
            return (f64::NAN, f64::NAN);
        }
        return (0.0, init);
    }
    let (sx, sy, sxy, sx2) = (sx + cx, sy + cy, sxy + cxy, sx2 + cx2);
    let cov = sxy - sx * sy / n;
    let var = sx2 - sx * sx / n;
    let slope = cov / var;
    (slope, sy / n - slope * sx / n)
}

/// `deriv`: the regression slope per second.
pub(crate) fn deriv(w: Windows<'_>, out: &mut [f64]) {
    for (i, &(lo, hi)) in w.win.iter().enumerate() {
        let (lo, hi) = (lo as usize, hi as usize);
        if hi - lo < 2 {
            continue;
        }
        out[i] = linear_regression(&w.ts[lo..hi], &w.vs[lo..hi], w.ts[lo]).0;
    }
}

/// `predict_linear(v, s)`: the regression line's value `s` seconds after the evaluation time.
pub(crate) fn predict_linear(w: Windows<'_>, eval_t: &[i64], secs: &[f64], out: &mut [f64]) {
    for (i, &(lo, hi)) in w.win.iter().enumerate() {
        let (lo, hi) = (lo as usize, hi as usize);
        if hi - lo < 2 {
            continue;
        }
        let (slope, intercept) = linear_regression(&w.ts[lo..hi], &w.vs[lo..hi], eval_t[i]);
        out[i] = slope * secs[i] + intercept;
    }
}
