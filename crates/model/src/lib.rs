//! The shared vocabulary of otelstore: labels, matchers, samples and the read traits that
//! storage engines implement and query engines consume.
//!
//! This crate does no I/O. [`memory::MemStore`] is a reference implementation of
//! [`Querier`] kept deliberately simple, so other stores can be tested against it.

pub mod error;
pub mod labels;
pub mod matcher;
pub mod memory;
pub mod querier;
pub mod sample;

pub use error::{InvalidLabels, InvalidMatcher};
pub use labels::{Label, Labels, METRIC_NAME};
pub use matcher::{MatchOp, Matcher};
pub use querier::{matches_all, Querier, SampleSource, Series};
pub use sample::{is_stale, stale_nan, Sample, SampleBuf, SeriesSamples, STALE_NAN_BITS};
