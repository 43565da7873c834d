//! Resource and scope: the labels every series of a resource or scope shares (`job`,
//! `instance`, promoted attributes, `otel_scope_*`), computed once per resource or scope,
//! and the resource's `target_info` series.

use std::sync::Arc;

use model::{Label, Sample, SeriesSamples};
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::ScopeMetrics;

use super::labels::{self, Interner};
use super::options::MetricsOptions;
use super::values;

/// The attributes that identify a target: mapped to `job` and `instance`.
pub(super) const SERVICE_NAME: &str = "service.name";
/// See [`SERVICE_NAME`].
pub(super) const SERVICE_NAMESPACE: &str = "service.namespace";
/// See [`SERVICE_NAME`].
pub(super) const SERVICE_INSTANCE_ID: &str = "service.instance.id";

fn is_identifying(key: &str) -> bool {
    matches!(key, SERVICE_NAME | SERVICE_NAMESPACE | SERVICE_INSTANCE_ID)
}

/// What a resource contributes to the labels of its series.
#[derive(Debug, Default)]
pub(super) struct ResourceLabels {
    /// `service.namespace/service.name`, or `service.name`; absent without `service.name`.
    pub(super) job: Option<Arc<str>>,
    /// `service.instance.id`.
    pub(super) instance: Option<Arc<str>>,
    /// Promoted attributes, sorted by label name; on a name collision the first original
    /// key wins.
    pub(super) promoted: Vec<Label>,
}

impl ResourceLabels {
    /// Computes the shared labels of a resource with attributes `attrs`. Promoted attributes
    /// whose names are not valid label names are left out and reported through `bad`.
    pub(super) fn new<'a>(
        attrs: &'a [KeyValue],
        opts: &MetricsOptions,
        names: &mut Interner<'a>,
        mut bad: impl FnMut(String),
    ) -> Self {
        let get = |key: &str| {
            attrs
                .iter()
                .find(|kv| kv.key == key)
                .map(|kv| kv.value.as_ref())
        };
        let job = get(SERVICE_NAME).map(|name| {
            let name = values::any_value(name);
            match get(SERVICE_NAMESPACE) {
                Some(ns) => Arc::from(format!("{}/{name}", values::any_value(ns))),
                None => Arc::from(name.as_ref()),
            }
        });
        let instance = get(SERVICE_INSTANCE_ID).map(|v| Arc::from(values::any_value(v).as_ref()));

        let mut promoted: Vec<(&str, Label)> = Vec::new();
        for kv in attrs.iter().filter(|kv| opts.promotes(&kv.key)) {
            match names.name(&kv.key) {
                Ok(name) => {
                    let value = names.value(kv.value.as_ref());
                    promoted.push((&kv.key, Label { name, value }));
                }
                Err(e) => bad(format!("attribute not promoted: {e}")),
            }
        }
        promoted.sort_by(|a, b| a.1.name.cmp(&b.1.name).then_with(|| a.0.cmp(b.0)));
        promoted.dedup_by(|b, a| a.1.name == b.1.name);
        ResourceLabels {
            job,
            instance,
            promoted: promoted.into_iter().map(|(_, l)| l).collect(),
        }
    }
}

/// The `otel_scope_*` labels of a scope, sorted by name; empty unless
/// `promote_scope_metadata` is set and the scope has a name.
pub(super) fn scope_labels(
    sm: &ScopeMetrics,
    opts: &MetricsOptions,
    names: &Interner<'_>,
    mut bad: impl FnMut(String),
) -> Vec<Label> {
    let Some(scope) = sm
        .scope
        .as_ref()
        .filter(|s| opts.promote_scope_metadata && !s.name.is_empty())
    else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(scope.attributes.len() + 3);
    for (name, value) in [
        ("otel_scope_name", scope.name.as_str()),
        ("otel_scope_version", scope.version.as_str()),
        ("otel_scope_schema_url", sm.schema_url.as_str()),
    ] {
        labels::set(&mut out, &Arc::from(name), Arc::from(value));
    }
    for kv in &scope.attributes {
        match names.namer().build(&format!("otel_scope_{}", kv.key)) {
            Ok(name) => {
                let value = Arc::from(values::any_value(kv.value.as_ref()).as_ref());
                labels::set(&mut out, &Arc::from(name), value);
            }
            Err(e) => bad(format!("scope attribute dropped: {e}")),
        }
    }
    out
}

/// The labels shared by every series of one data point, sorted by name, before `__name__`
/// and `le`/`quantile`: point attributes (colliding names joined), then promoted resource
/// attributes where not already set, then `job`/`instance` (overwriting), then scope labels
/// (overwriting). Empty values are dropped.
pub(super) fn point_labels<'a>(
    names: &mut Interner<'a>,
    attrs: &'a [KeyValue],
    resource: &ResourceLabels,
    scope: &[Label],
) -> Result<Vec<Label>, String> {
    let mut out = Vec::with_capacity(attrs.len() + resource.promoted.len() + scope.len() + 4);
    names.attributes(attrs, |_| false, &mut out)?;
    for l in &resource.promoted {
        labels::set_if_absent(&mut out, &l.name, &l.value);
    }
    if let Some(job) = &resource.job {
        labels::set(&mut out, &names.job, Arc::clone(job));
    }
    if let Some(instance) = &resource.instance {
        labels::set(&mut out, &names.instance, Arc::clone(instance));
    }
    for l in scope {
        labels::set(&mut out, &l.name, Arc::clone(&l.value));
    }
    labels::drop_empty(&mut out);
    Ok(out)
}

/// The `target_info` series of a resource whose points span `[earliest_ns, latest_ns]`, or
/// `None` when it has nothing to say: no attributes besides the identifying ones, or
/// neither `job` nor `instance`.
///
/// Like Prometheus, it gets a sample of 1 every `lookback_delta / 2` from the earliest
/// point on, plus one at the latest, so that joins find it across the whole batch.
pub(super) fn target_info<'a>(
    attrs: &'a [KeyValue],
    resource: &ResourceLabels,
    family: &Arc<str>,
    (earliest_ns, latest_ns): (u64, u64),
    opts: &MetricsOptions,
    names: &mut Interner<'a>,
) -> Result<Option<SeriesSamples>, String> {
    if attrs.iter().all(|kv| is_identifying(&kv.key)) {
        return Ok(None);
    }
    if resource.job.is_none() && resource.instance.is_none() {
        return Ok(None);
    }
    let keep = opts.keep_identifying_resource_attributes;
    let mut labels = Vec::with_capacity(attrs.len() + 3);
    names.attributes(attrs, |k| !keep && is_identifying(k), &mut labels)?;
    if let Some(job) = &resource.job {
        labels::set(&mut labels, &names.job, Arc::clone(job));
    }
    if let Some(instance) = &resource.instance {
        labels::set(&mut labels, &names.instance, Arc::clone(instance));
    }
    labels::drop_empty(&mut labels);
    labels::set(&mut labels, &names.metric_name, Arc::clone(family));

    let step = u64::try_from(opts.lookback_delta.as_nanos() / 2)
        .unwrap_or(u64::MAX)
        .max(1);
    let mut samples = Vec::new();
    let mut t = earliest_ns;
    while t < latest_ns {
        samples.push(Sample::new(super::ms(t), 1.0));
        t = t.saturating_add(step);
    }
    let last = super::ms(latest_ns);
    if samples.last().is_none_or(|s| s.t < last) {
        samples.push(Sample::new(last, 1.0));
    }
    Ok(Some(SeriesSamples { labels, samples }))
}
