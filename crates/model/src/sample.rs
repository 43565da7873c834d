//! Samples, the stale marker, and the column buffer readers decode into.

/// Bit pattern of the Prometheus stale marker, a NaN that means "this series ended here".
pub const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

/// The stale marker as a float. Compare with [`is_stale`], never with `==`.
pub fn stale_nan() -> f64 {
    f64::from_bits(STALE_NAN_BITS)
}

/// Whether `v` is the stale marker (bit-exact; other NaNs are ordinary values).
pub fn is_stale(v: f64) -> bool {
    v.to_bits() == STALE_NAN_BITS
}

/// One float sample: a millisecond timestamp and a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Milliseconds since the Unix epoch.
    pub t: i64,
    /// The value; any bit pattern, stale marker included.
    pub v: f64,
}

impl Sample {
    /// A sample at `t` with value `v`.
    pub const fn new(t: i64, v: f64) -> Self {
        Sample { t, v }
    }

    /// Whether two samples are identical, comparing values bit for bit.
    pub fn bit_eq(&self, other: &Sample) -> bool {
        self.t == other.t && self.v.to_bits() == other.v.to_bits()
    }
}

/// One series' samples in an append batch: what ingest produces and storage consumes.
///
/// Labels may come in any order and are validated by the store (non-empty metric name, no
/// empty or repeated label names), so a caller can hand over whatever it received.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesSamples {
    /// The series' labels.
    pub labels: Vec<crate::Label>,
    /// Its samples, in any order.
    pub samples: Vec<Sample>,
}

impl SeriesSamples {
    /// A batch entry from validated labels.
    pub fn new(labels: &crate::Labels, samples: Vec<Sample>) -> Self {
        SeriesSamples {
            labels: labels.as_slice().to_vec(),
            samples,
        }
    }
}

/// Samples of one series in columns: timestamps ascending, values beside them.
///
/// Readers append into a caller-owned buffer so a query can reuse one allocation for every
/// series it visits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampleBuf {
    /// Timestamps in milliseconds, strictly ascending.
    pub t: Vec<i64>,
    /// Values, one per timestamp.
    pub v: Vec<f64>,
}

impl SampleBuf {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one sample.
    pub fn push(&mut self, t: i64, v: f64) {
        self.t.push(t);
        self.v.push(v);
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.t.len()
    }

    /// Whether the buffer holds no samples.
    pub fn is_empty(&self) -> bool {
        self.t.is_empty()
    }

    /// Removes every sample, keeping the allocations.
    pub fn clear(&mut self) {
        self.t.clear();
        self.v.clear();
    }

    /// The samples as pairs.
    pub fn iter(&self) -> impl Iterator<Item = Sample> + '_ {
        self.t.iter().zip(&self.v).map(|(&t, &v)| Sample { t, v })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_marker_is_a_specific_nan() {
        assert!(stale_nan().is_nan());
        assert!(is_stale(stale_nan()));
        assert!(!is_stale(f64::NAN));
    }

    #[test]
    fn bit_eq_distinguishes_nan_payloads_and_zero_signs() {
        assert!(Sample::new(1, f64::NAN).bit_eq(&Sample::new(1, f64::NAN)));
        assert!(!Sample::new(1, f64::NAN).bit_eq(&Sample::new(1, stale_nan())));
        assert!(!Sample::new(1, 0.0).bit_eq(&Sample::new(1, -0.0)));
    }
}
