//! Errors raised while building model values.

/// Why a set of labels is not a valid series identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidLabels {
    /// A label has an empty name.
    #[error("label with an empty name")]
    EmptyName,
    /// Two labels share a name.
    #[error("duplicate label name {name:?}")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },
    /// The set has no `__name__` label where one is required.
    #[error("missing metric name")]
    MissingMetricName,
}

/// Why a matcher cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidMatcher {
    /// The regex does not compile.
    #[error("invalid regular expression {regex:?}: {detail}")]
    Regex {
        /// The regex as written.
        regex: String,
        /// What the regex compiler reported.
        detail: String,
    },
}
