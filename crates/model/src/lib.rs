//! The shared vocabulary of otelstore: labels, matchers, samples and the read traits that
//! storage engines implement and query engines consume.
//!
//! This crate does no I/O. [`memory::MemStore`] is a reference implementation of
//! [`Querier`] kept deliberately simple, so other stores can be tested against it.

pub mod error;
pub mod labels;
pub mod matcher;
pub mod memory;
pub mod metadata;
pub mod querier;
pub mod sample;
pub mod text;
pub mod trace;

pub use error::{InvalidLabels, InvalidMatcher};
pub use labels::{Label, Labels, METRIC_NAME};
pub use matcher::{MatchOp, Matcher};
pub use metadata::{Exemplar, MetricMetadata, MetricType, SeriesExemplars};
pub use querier::{Querier, SampleSource, Series, matches_all};
pub use sample::{STALE_NAN_BITS, Sample, SampleBuf, SeriesSamples, is_stale, stale_nan};
