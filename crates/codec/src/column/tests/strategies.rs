//! proptest generators for realistic and adversarial columns.

use proptest::collection::vec;
use proptest::prelude::*;

/// The Prometheus stale marker.
pub(super) const STALE: f64 = f64::from_bits(0x7ff0_0000_0000_0002);

/// Any f64, biased towards the patterns that break naive codecs.
pub(super) fn special_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        any::<f64>(),
        Just(STALE),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        Just(0.0),
        (1u64..1 << 52).prop_map(f64::from_bits),
        (-1_000_000i64..1_000_000).prop_map(|i| i as f64),
        (-1_000_000i64..1_000_000, 1u32..6).prop_map(|(m, e)| m as f64 / 10f64.powi(e as i32)),
        Just(9_007_199_254_740_993.0),
        Just(-9_007_199_254_740_992.0),
    ]
}

/// Timestamp columns of up to `max` values: scrapes with jitter and gaps, sorted random, random.
pub(super) fn timestamp_column(max: usize) -> impl Strategy<Value = Vec<i64>> {
    let scrapes = (
        any::<i64>(),
        1i64..100_000,
        0i64..100,
        vec((0u8..100, any::<i64>()), 0..max),
    )
        .prop_map(|(start, step, jitter, slots)| {
            let mut t = start;
            slots
                .into_iter()
                .map(|(kind, r)| {
                    // Mostly regular slots, sometimes a gap or a wild jump.
                    let advance = match kind {
                        0..=89 => step,
                        90..=97 => step * 2,
                        _ => r,
                    };
                    t = t.wrapping_add(advance);
                    t.wrapping_add(r.rem_euclid(2 * jitter + 1) - jitter)
                })
                .collect()
        });
    let sorted = vec(any::<i64>(), 0..max).prop_map(|mut v| {
        v.sort_unstable();
        v
    });
    let extremes = vec(
        prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(0), Just(-1)],
        0..20,
    );
    prop_oneof![4 => scrapes, 1 => sorted, 1 => vec(any::<i64>(), 0..max), 1 => extremes]
}

/// Value columns of up to `max` values: counters with resets, decimal gauges, constants with
/// specials sprinkled in, and noise.
pub(super) fn value_column(max: usize) -> impl Strategy<Value = Vec<f64>> {
    let counters =
        (0u32..1 << 20, vec((0u32..30, 0u16..1000), 0..max)).prop_map(|(start, incs)| {
            let mut c = f64::from(start);
            incs.into_iter()
                .map(|(inc, reset)| {
                    c = if reset == 0 {
                        f64::from(inc)
                    } else {
                        c + f64::from(inc)
                    };
                    c
                })
                .collect::<Vec<f64>>()
        });
    let gauges = (0u32..4, -100_000i64..100_000, vec(-500i64..500, 0..max)).prop_map(
        |(scale, start, steps)| {
            let p = 10f64.powi(scale as i32);
            let mut m = start;
            steps
                .into_iter()
                .map(|s| {
                    m += s;
                    m as f64 / p
                })
                .collect::<Vec<f64>>()
        },
    );
    let with_specials = |base: BoxedStrategy<Vec<f64>>| {
        (
            base,
            vec((any::<prop::sample::Index>(), special_value()), 0..6),
        )
            .prop_map(|(mut v, specials)| {
                if !v.is_empty() {
                    for (i, s) in specials {
                        let at = i.index(v.len());
                        v[at] = s;
                    }
                }
                v
            })
    };
    let constant = (special_value(), 0..max).prop_map(|(v, n)| vec![v; n]);
    prop_oneof![
        2 => with_specials(counters.boxed()),
        2 => with_specials(gauges.boxed()),
        1 => with_specials(constant.boxed()),
        1 => vec(special_value(), 0..max),
    ]
}
