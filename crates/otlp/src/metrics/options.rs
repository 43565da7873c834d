//! Translation options, named after Prometheus 3's `otlp:` configuration block so that a user
//! migrating from Prometheus finds the same switches with the same defaults.

use std::time::Duration;

/// How metric and label names are escaped, and whether unit and type suffixes are added.
///
/// The four strategies of Prometheus 3 (`otlp.translation_strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TranslationStrategy {
    /// Names escaped to the classic charset (`http.server.duration` →
    /// `http_server_duration`), unit, `_total` and `_ratio` suffixes added. Prometheus's
    /// default.
    #[default]
    UnderscoreEscapingWithSuffixes,
    /// Names escaped, no suffixes.
    UnderscoreEscapingWithoutSuffixes,
    /// UTF-8 names kept as they are (`http.server.duration_milliseconds`), suffixes added.
    NoUTF8EscapingWithSuffixes,
    /// Names kept as they are, no suffixes (experimental in Prometheus).
    NoTranslation,
}

impl TranslationStrategy {
    /// Every strategy, in declaration order.
    pub const ALL: [TranslationStrategy; 4] = [
        TranslationStrategy::UnderscoreEscapingWithSuffixes,
        TranslationStrategy::UnderscoreEscapingWithoutSuffixes,
        TranslationStrategy::NoUTF8EscapingWithSuffixes,
        TranslationStrategy::NoTranslation,
    ];

    /// Whether names are escaped to the classic `[a-zA-Z0-9_:]` charset.
    pub fn escapes(self) -> bool {
        matches!(
            self,
            TranslationStrategy::UnderscoreEscapingWithSuffixes
                | TranslationStrategy::UnderscoreEscapingWithoutSuffixes
        )
    }

    /// Whether unit, `_total` and `_ratio` suffixes are added to metric names.
    pub fn adds_suffixes(self) -> bool {
        matches!(
            self,
            TranslationStrategy::UnderscoreEscapingWithSuffixes
                | TranslationStrategy::NoUTF8EscapingWithSuffixes
        )
    }

    /// The name used in Prometheus's configuration file.
    pub fn as_str(self) -> &'static str {
        match self {
            TranslationStrategy::UnderscoreEscapingWithSuffixes => "UnderscoreEscapingWithSuffixes",
            TranslationStrategy::UnderscoreEscapingWithoutSuffixes => {
                "UnderscoreEscapingWithoutSuffixes"
            }
            TranslationStrategy::NoUTF8EscapingWithSuffixes => "NoUTF8EscapingWithSuffixes",
            TranslationStrategy::NoTranslation => "NoTranslation",
        }
    }

    /// Parses the name used in Prometheus's configuration file.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// Options of [`translate`](super::translate). Build with struct update syntax over
/// [`MetricsOptions::default()`], which matches Prometheus 3's OTLP receiver defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsOptions {
    /// Name escaping and suffixes. Default [`TranslationStrategy::UnderscoreEscapingWithSuffixes`].
    pub strategy: TranslationStrategy,
    /// Prefix for every metric name, `target_info` included (Collector style). It is not
    /// added again to a name that already starts with it: with `llama_stack`,
    /// `http.server.duration` becomes `llama_stack_http_server_duration_milliseconds` and
    /// `llama_stack.inference.duration_seconds` stays
    /// `llama_stack_inference_duration_seconds`. Default `None` (Prometheus has none).
    pub namespace: Option<String>,
    /// Resource attributes copied as labels onto every series of the resource, where a data
    /// point attribute of the same (sanitised) name is not already set. Default empty.
    pub promote_resource_attributes: Vec<String>,
    /// Promote every resource attribute except those in `ignore_resource_attributes`;
    /// `promote_resource_attributes` is then not used. Default `false`.
    pub promote_all_resource_attributes: bool,
    /// Resource attributes not promoted when `promote_all_resource_attributes` is set.
    /// Default empty.
    pub ignore_resource_attributes: Vec<String>,
    /// Keep `service.name`, `service.namespace` and `service.instance.id` as labels of
    /// `target_info` (they are always mapped to `job` and `instance`). Default `false`.
    pub keep_identifying_resource_attributes: bool,
    /// Add `otel_scope_name`, `otel_scope_version`, `otel_scope_schema_url` and
    /// `otel_scope_<attribute>` labels to every series. Default `false` (the Collector's
    /// pull exporter has them on).
    pub promote_scope_metadata: bool,
    /// Turn a single leading `_` of a label name into `key_` (`_tenant` → `key_tenant`).
    /// Default `true`.
    pub label_name_underscore_sanitization: bool,
    /// Keep runs of `_` in label names (`a..b` → `a__b`); when `false` they collapse to one
    /// (`a_b`). Default `true`.
    pub label_name_preserve_multiple_underscores: bool,
    /// Write a `target_info` series per resource that has attributes besides the
    /// identifying ones. Default `true`.
    pub target_info: bool,
    /// The query engine's lookback delta: `target_info` gets a sample every half of it
    /// between the earliest and latest point of its resource. Default 5 minutes.
    pub lookback_delta: Duration,
}

impl Default for MetricsOptions {
    fn default() -> Self {
        MetricsOptions {
            strategy: TranslationStrategy::default(),
            namespace: None,
            promote_resource_attributes: Vec::new(),
            promote_all_resource_attributes: false,
            ignore_resource_attributes: Vec::new(),
            keep_identifying_resource_attributes: false,
            promote_scope_metadata: false,
            label_name_underscore_sanitization: true,
            label_name_preserve_multiple_underscores: true,
            target_info: true,
            lookback_delta: Duration::from_secs(300),
        }
    }
}

impl MetricsOptions {
    /// Whether the resource attribute `key` is promoted to a label.
    pub fn promotes(&self, key: &str) -> bool {
        if self.promote_all_resource_attributes {
            !self.ignore_resource_attributes.iter().any(|k| k == key)
        } else {
            self.promote_resource_attributes.iter().any(|k| k == key)
        }
    }

    /// The namespace, if set and not blank.
    pub(super) fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref().filter(|ns| !ns.is_empty())
    }
}
