//! Query results as the HTTP layer serializes them: Prometheus' four value types.

use model::Labels;

/// A query result value. Timestamps are milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `resultType: scalar`: evaluation time and value.
    Scalar(i64, f64),
    /// `resultType: string`: evaluation time and text.
    String(i64, String),
    /// `resultType: vector`: one sample per series, stamped with the evaluation time.
    Vector(Vec<(Labels, i64, f64)>),
    /// `resultType: matrix`: series with their points, sorted by labels for range queries.
    Matrix(Vec<(Labels, Vec<(i64, f64)>)>),
}

impl Value {
    /// The Prometheus `resultType` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Scalar(..) => "scalar",
            Value::String(..) => "string",
            Value::Vector(_) => "vector",
            Value::Matrix(_) => "matrix",
        }
    }
}

/// Counters a query reports alongside its result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryStats {
    /// Samples read from storage (each sample of each selected series counted once per read).
    pub samples_read: u64,
    /// Largest number of samples held in memory at once (see `EngineOptions::max_samples`).
    pub peak_samples: u64,
}

/// What a successful query returns.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    /// The value.
    pub value: Value,
    /// Warning annotations, rendered as Prometheus does: `PromQL warning: ... (1:6)`.
    pub warnings: Vec<String>,
    /// Info annotations: `PromQL info: ... (1:6)`.
    pub infos: Vec<String>,
    /// Counters.
    pub stats: QueryStats,
}
