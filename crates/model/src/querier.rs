//! The read interface every metrics store offers and the PromQL engine consumes.
//!
//! Time bounds are inclusive milliseconds, `[mint, maxt]`. A store may return series that have
//! no sample inside the bounds (it knows only that some chunk overlaps them); readers filter.

use crate::labels::Labels;
use crate::matcher::Matcher;
use crate::sample::SampleBuf;

/// The samples of one selected series, decoded on demand.
pub trait SampleSource {
    /// What reading can fail with.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Appends the series' samples inside the selected bounds to `out`, timestamps strictly
    /// ascending.
    fn read_into(&mut self, out: &mut SampleBuf) -> Result<(), Self::Error>;
}

/// One series returned by [`Querier::select`].
#[derive(Debug, Clone)]
pub struct Series<S> {
    /// The series' labels.
    pub labels: Labels,
    /// Its samples.
    pub samples: S,
}

/// A consistent read view over stored series.
pub trait Querier {
    /// What queries can fail with.
    type Error: std::error::Error + Send + Sync + 'static;
    /// The sample reader handed out per series.
    type Samples: SampleSource<Error = Self::Error>;

    /// Series matching every matcher with data overlapping `[mint, maxt]`, sorted by labels.
    fn select(
        &self,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<Series<Self::Samples>>, Self::Error>;

    /// Sorted label names of series matching `matchers` (all series if empty) in the bounds.
    fn label_names(
        &self,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<String>, Self::Error>;

    /// Sorted values of label `name` over series matching `matchers` (all series if empty).
    fn label_values(
        &self,
        name: &str,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<String>, Self::Error>;
}

/// Whether `labels` satisfy every matcher (absent labels compare as `""`).
pub fn matches_all(labels: &Labels, matchers: &[Matcher]) -> bool {
    matchers
        .iter()
        .all(|m| m.matches(labels.get(&m.name).unwrap_or("")))
}
