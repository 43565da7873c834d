//! The engine's error type. Each variant maps onto one Prometheus API `errorType`, so the HTTP
//! layer can answer with the same status and type Prometheus would.

use crate::parser::ParseError;

/// Why a query failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The query text does not parse or type check.
    #[error("{0}")]
    Parse(#[from] ParseError),
    /// An argument of the request is invalid (step, time range).
    #[error("{0}")]
    BadData(String),
    /// Evaluation failed, e.g. "vector cannot contain metrics with the same labelset".
    #[error("{0}")]
    Execution(String),
    /// The query ran longer than its timeout.
    #[error("query timed out in {0}")]
    Timeout(&'static str),
    /// The caller canceled the query.
    #[error("query was canceled in {0}")]
    Canceled(&'static str),
    /// The query held more samples in memory than `EngineOptions::max_samples` allows.
    #[error("query processing would load too many samples into memory in {0}")]
    TooManySamples(&'static str),
    /// A range query asked for more than `EngineOptions::max_points_per_series` steps.
    #[error(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query \
         resolution (?step=XX)"
    )]
    TooManyPoints,
    /// The storage failed to answer.
    #[error("{0}")]
    Storage(Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    /// The Prometheus API `errorType` for this error.
    pub fn error_type(&self) -> &'static str {
        match self {
            Error::Parse(_) | Error::BadData(_) | Error::TooManyPoints => "bad_data",
            Error::Execution(_) | Error::TooManySamples(_) => "execution",
            Error::Timeout(_) => "timeout",
            Error::Canceled(_) => "canceled",
            Error::Storage(_) => "internal",
        }
    }

    pub(crate) fn exec(msg: impl Into<String>) -> Self {
        Error::Execution(msg.into())
    }
}

/// `Result` with the engine's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The message Prometheus gives when two result elements share a label set.
pub(crate) const DUPLICATE_LABELSET: &str = "vector cannot contain metrics with the same labelset";
