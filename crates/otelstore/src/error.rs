//! Errors of the store.

/// What a store operation can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The metrics engine failed (disk, files, options).
    #[error("metrics storage: {0}")]
    Metrics(#[from] tsdb::Error),
    /// The trace store failed.
    #[error("trace storage: {0}")]
    Traces(#[from] traces::Error),
    /// A query failed; [`promql::Error::error_type`] tells how to report it.
    #[error(transparent)]
    Query(#[from] promql::Error),
    /// A request argument is invalid (bad selector, bad range).
    #[error("{0}")]
    BadRequest(String),
}

/// `Result` with the store's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
