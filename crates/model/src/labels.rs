//! Label sets: the identity of a series.
//!
//! A series is a set of `name="value"` pairs, one of which is `__name__`. [`Labels`] keeps the
//! pairs sorted by name, which makes equality, ordering and hashing independent of the order a
//! caller supplied them in, and lets two label sets be merged or compared in one pass. Strings
//! are reference counted so that a store can hand out label sets that share its interned strings
//! without copying them.

use std::fmt;
use std::sync::Arc;

use crate::error::InvalidLabels;

/// The label that holds a series' metric name.
pub const METRIC_NAME: &str = "__name__";

/// One `name="value"` pair.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label {
    /// Label name.
    pub name: Arc<str>,
    /// Label value; never empty inside a [`Labels`] (an empty value means "absent").
    pub value: Arc<str>,
}

impl Label {
    /// A pair from anything that converts into shared strings.
    pub fn new(name: impl Into<Arc<str>>, value: impl Into<Arc<str>>) -> Self {
        Label {
            name: name.into(),
            value: value.into(),
        }
    }
}

impl fmt::Debug for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={:?}", self.name, self.value)
    }
}

/// A set of labels sorted by name, with unique names and no empty values.
///
/// Ordering compares pair by pair (name, then value), then by length: the order in which
/// Prometheus returns series.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Labels(Vec<Label>);

impl Labels {
    /// The empty label set.
    pub const fn empty() -> Self {
        Labels(Vec::new())
    }

    /// Builds a label set from pairs in any order. Pairs with an empty value are dropped, as
    /// Prometheus treats an empty value as an absent label. Names must be non-empty and unique.
    pub fn new(mut pairs: Vec<Label>) -> Result<Self, InvalidLabels> {
        pairs.retain(|l| !l.value.is_empty());
        pairs.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        for l in &pairs {
            if l.name.is_empty() {
                return Err(InvalidLabels::EmptyName);
            }
        }
        if let Some(w) = pairs.windows(2).find(|w| w[0].name == w[1].name) {
            return Err(InvalidLabels::DuplicateName {
                name: w[0].name.to_string(),
            });
        }
        Ok(Labels(pairs))
    }

    /// Builds a label set from string pairs, as [`Labels::new`].
    pub fn from_pairs<N, V>(pairs: impl IntoIterator<Item = (N, V)>) -> Result<Self, InvalidLabels>
    where
        N: Into<Arc<str>>,
        V: Into<Arc<str>>,
    {
        Self::new(pairs.into_iter().map(|(n, v)| Label::new(n, v)).collect())
    }

    /// Wraps pairs the caller guarantees are sorted by name, unique and non-empty (for example
    /// read back from a store that validated them on the way in). Checked in debug builds.
    pub fn from_sorted(pairs: Vec<Label>) -> Self {
        debug_assert!(
            pairs.windows(2).all(|w| w[0].name < w[1].name),
            "labels not sorted"
        );
        debug_assert!(
            pairs.iter().all(|l| !l.value.is_empty()),
            "empty label value"
        );
        Labels(pairs)
    }

    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .binary_search_by(|l| (*l.name).cmp(name))
            .ok()
            .map(|i| &*self.0[i].value)
    }

    /// The metric name, if the set has one.
    pub fn metric_name(&self) -> Option<&str> {
        self.get(METRIC_NAME)
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set has no pairs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pairs, sorted by name.
    pub fn iter(&self) -> std::slice::Iter<'_, Label> {
        self.0.iter()
    }

    /// The pairs as a slice, sorted by name.
    pub fn as_slice(&self) -> &[Label] {
        &self.0
    }

    /// Consumes the set into its sorted pairs.
    pub fn into_vec(self) -> Vec<Label> {
        self.0
    }

    /// A copy with `name` set to `value`; an empty value removes the label.
    #[must_use]
    pub fn with(&self, name: impl Into<Arc<str>>, value: impl Into<Arc<str>>) -> Self {
        let name = name.into();
        let value = value.into();
        let mut pairs = self.0.clone();
        match pairs.binary_search_by(|l| l.name.cmp(&name)) {
            Ok(i) if value.is_empty() => {
                pairs.remove(i);
            }
            Ok(i) => pairs[i].value = value,
            Err(_) if value.is_empty() => {}
            Err(i) => pairs.insert(i, Label { name, value }),
        }
        Labels(pairs)
    }

    /// A copy without the named labels.
    #[must_use]
    pub fn without(&self, names: &[&str]) -> Self {
        Labels(
            self.0
                .iter()
                .filter(|l| !names.contains(&&*l.name))
                .cloned()
                .collect(),
        )
    }

    /// A copy with only the named labels.
    #[must_use]
    pub fn keep_only(&self, names: &[&str]) -> Self {
        Labels(
            self.0
                .iter()
                .filter(|l| names.contains(&&*l.name))
                .cloned()
                .collect(),
        )
    }

    /// A copy without `__name__`.
    #[must_use]
    pub fn without_metric_name(&self) -> Self {
        self.without(&[METRIC_NAME])
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = &'a Label;
    type IntoIter = std::slice::Iter<'a, Label>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Prometheus notation: `name{a="b", c="d"}`, or `{__name__="...", ...}`-free `{}` forms.
impl fmt::Display for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.metric_name();
        if let Some(n) = name {
            f.write_str(n)?;
        }
        f.write_str("{")?;
        let mut first = true;
        for l in self.0.iter().filter(|l| &*l.name != METRIC_NAME) {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            write!(f, "{}={:?}", l.name, &*l.value)?;
        }
        f.write_str("}")
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Whether `name` is a label name in the classic Prometheus charset `[a-zA-Z_][a-zA-Z0-9_]*`.
/// Prometheus 3 accepts any non-empty UTF-8 name; this tells callers when quoting is needed.
pub fn is_legacy_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Whether `name` is a metric name in the classic charset `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn is_legacy_metric_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' || b == b':' => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(pairs: &[(&str, &str)]) -> Labels {
        Labels::from_pairs(pairs.iter().copied()).expect("valid labels")
    }

    #[test]
    fn pairs_are_sorted_and_empty_values_dropped() {
        let l = ls(&[("job", "a"), ("__name__", "up"), ("zone", "")]);
        let names: Vec<&str> = l.iter().map(|l| &*l.name).collect();
        assert_eq!(names, ["__name__", "job"]);
        assert_eq!(l.metric_name(), Some("up"));
        assert_eq!(l.get("zone"), None);
    }

    #[test]
    fn duplicate_and_empty_names_are_rejected() {
        let dup = Labels::from_pairs([("a", "1"), ("a", "2")]);
        assert_eq!(dup, Err(InvalidLabels::DuplicateName { name: "a".into() }));
        assert_eq!(
            Labels::from_pairs([("", "1")]),
            Err(InvalidLabels::EmptyName)
        );
    }

    #[test]
    fn ordering_is_pairwise_then_by_length() {
        let a = ls(&[("a", "1")]);
        let ab = ls(&[("a", "1"), ("b", "1")]);
        let a2 = ls(&[("a", "2")]);
        assert!(a < ab);
        assert!(ab < a2);
    }

    #[test]
    fn display_uses_prometheus_notation() {
        let l = ls(&[("__name__", "up"), ("job", "a\"b")]);
        assert_eq!(l.to_string(), r#"up{job="a\"b"}"#);
        assert_eq!(ls(&[("x", "1")]).to_string(), r#"{x="1"}"#);
    }

    #[test]
    fn with_and_without_edit_copies() {
        let l = ls(&[("__name__", "up"), ("job", "a")]);
        assert_eq!(l.with("job", "b").get("job"), Some("b"));
        assert_eq!(l.with("job", "").get("job"), None);
        assert_eq!(l.with("env", "prod").len(), 3);
        assert_eq!(l.without_metric_name(), ls(&[("job", "a")]));
        assert_eq!(l.keep_only(&["job"]), ls(&[("job", "a")]));
    }

    #[test]
    fn legacy_name_charsets() {
        assert!(is_legacy_label_name("_a1"));
        assert!(!is_legacy_label_name("1a"));
        assert!(!is_legacy_label_name("a.b"));
        assert!(is_legacy_metric_name("a:b_c"));
        assert!(!is_legacy_metric_name(""));
    }
}
