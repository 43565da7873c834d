//! Label names and label sets.
//!
//! [`LabelNamer`] turns attribute keys into label names (`gen_ai.token.type` →
//! `gen_ai_token_type`). [`Interner`] caches those names and string values as shared
//! strings for the duration of one request, so a key or value seen on many points is
//! sanitised and allocated once. Label sets are kept sorted by name as `Vec<Label>`.

use std::collections::HashMap;
use std::sync::Arc;

use ahash::RandomState;
use model::Label;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};

use super::options::MetricsOptions;
use super::values;

/// Attribute key → label name, per the strategy and the two label-name options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LabelNamer {
    /// Names pass through unchanged (UTF-8 strategies).
    pub(super) utf8: bool,
    /// A single leading `_` becomes `key_`.
    pub(super) underscore_sanitization: bool,
    /// Runs of `_` are kept rather than collapsed.
    pub(super) preserve_multiple_underscores: bool,
}

impl LabelNamer {
    /// The namer `opts` asks for.
    pub(super) fn new(opts: &MetricsOptions) -> Self {
        LabelNamer {
            utf8: !opts.strategy.escapes(),
            underscore_sanitization: opts.label_name_underscore_sanitization,
            preserve_multiple_underscores: opts.label_name_preserve_multiple_underscores,
        }
    }

    /// The label name for `key`, or why there is none (empty, or only underscores).
    pub(super) fn build(&self, key: &str) -> Result<String, String> {
        if key.is_empty() {
            return Err("attribute with an empty name".into());
        }
        let name = if self.utf8 {
            key.to_string()
        } else {
            let name = self.sanitize(key);
            if name.starts_with(|c: char| c.is_ascii_digit()) {
                format!("key_{name}")
            } else if self.underscore_sanitization
                && name.starts_with('_')
                && !name.starts_with("__")
            {
                format!("key{name}")
            } else {
                name
            }
        };
        if name.bytes().all(|b| b == b'_') {
            return Err(format!("attribute name {key:?} is not a valid label name"));
        }
        Ok(name)
    }

    /// Every character outside `[a-zA-Z0-9]` becomes `_`; runs collapse unless preserved.
    /// When collapsing, a `__reserved__` name keeps its double underscores around the
    /// sanitised middle.
    fn sanitize(&self, key: &str) -> String {
        let mut out = String::with_capacity(key.len());
        if self.preserve_multiple_underscores {
            out.extend(
                key.chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
            );
            return out;
        }
        let inner = key
            .strip_prefix("__")
            .and_then(|k| k.strip_suffix("__"))
            .filter(|_| key.len() >= 4);
        if inner.is_some() {
            out.push_str("__");
        }
        let mut prev_underscore = false;
        for c in inner.unwrap_or(key).chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c);
                prev_underscore = false;
            } else if !prev_underscore {
                out.push('_');
                prev_underscore = true;
            }
        }
        if inner.is_some() {
            out.push_str("__");
        }
        out
    }
}

/// Shared strings for one request: label names by attribute key, string values by content,
/// and the fixed label names.
#[derive(Debug)]
pub(super) struct Interner<'a> {
    namer: LabelNamer,
    names: HashMap<&'a str, Result<Arc<str>, String>, RandomState>,
    values: HashMap<&'a str, Arc<str>, RandomState>,
    /// Scratch space for [`Interner::attributes`]: (label name, original key, value).
    scratch: Vec<(Arc<str>, &'a str, Arc<str>)>,
    /// `__name__`.
    pub(super) metric_name: Arc<str>,
    /// `job`.
    pub(super) job: Arc<str>,
    /// `instance`.
    pub(super) instance: Arc<str>,
    /// `le`.
    pub(super) le: Arc<str>,
    /// `quantile`.
    pub(super) quantile: Arc<str>,
    /// `trace_id`.
    pub(super) trace_id: Arc<str>,
    /// `span_id`.
    pub(super) span_id: Arc<str>,
}

impl<'a> Interner<'a> {
    /// An empty cache using `namer`.
    pub(super) fn new(namer: LabelNamer) -> Self {
        Interner {
            namer,
            names: HashMap::default(),
            values: HashMap::default(),
            scratch: Vec::new(),
            metric_name: Arc::from(model::METRIC_NAME),
            job: Arc::from("job"),
            instance: Arc::from("instance"),
            le: Arc::from("le"),
            quantile: Arc::from("quantile"),
            trace_id: Arc::from("trace_id"),
            span_id: Arc::from("span_id"),
        }
    }

    /// The namer in use.
    pub(super) fn namer(&self) -> LabelNamer {
        self.namer
    }

    /// The label name for attribute key `key`.
    pub(super) fn name(&mut self, key: &'a str) -> Result<Arc<str>, String> {
        let namer = self.namer;
        self.names
            .entry(key)
            .or_insert_with(|| namer.build(key).map(Arc::from))
            .clone()
    }

    /// An attribute value as a shared label value; string values are shared by content.
    pub(super) fn value(&mut self, v: Option<&'a AnyValue>) -> Arc<str> {
        match v.and_then(|v| v.value.as_ref()) {
            Some(Value::StringValue(s)) => self.str_value(s),
            _ => Arc::from(values::any_value(v).as_ref()),
        }
    }

    /// `s` as a shared string.
    pub(super) fn str_value(&mut self, s: &'a str) -> Arc<str> {
        Arc::clone(self.values.entry(s).or_insert_with(|| Arc::from(s)))
    }

    /// Appends `attrs` as labels to `out` (which must be empty), sorted by label name.
    /// Attributes whose names collide after sanitising are joined with `;` in the order of
    /// their original keys; `__name__` and keys accepted by `skip` are left out. Fails on
    /// the first key that is not a valid label name.
    pub(super) fn attributes(
        &mut self,
        attrs: &'a [KeyValue],
        skip: impl Fn(&str) -> bool,
        out: &mut Vec<Label>,
    ) -> Result<(), String> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let mut result = Ok(());
        for kv in attrs {
            if kv.key == model::METRIC_NAME || skip(&kv.key) {
                continue;
            }
            match self.name(&kv.key) {
                Ok(name) => scratch.push((name, &kv.key, self.value(kv.value.as_ref()))),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if result.is_ok() {
            scratch.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
            for (name, _, value) in scratch.drain(..) {
                match out.last_mut() {
                    Some(last) if last.name == name => {
                        last.value = Arc::from(format!("{};{}", last.value, value));
                    }
                    _ => out.push(Label { name, value }),
                }
            }
        }
        scratch.clear();
        self.scratch = scratch;
        result
    }
}

/// Sets `name` to `value` in the sorted set `labels`, replacing any previous value.
pub(super) fn set(labels: &mut Vec<Label>, name: &Arc<str>, value: Arc<str>) {
    match labels.binary_search_by(|l| l.name.as_ref().cmp(name)) {
        Ok(i) => labels[i].value = value,
        Err(i) => labels.insert(
            i,
            Label {
                name: Arc::clone(name),
                value,
            },
        ),
    }
}

/// Adds `name` = `value` to the sorted set `labels` unless `name` is already there.
pub(super) fn set_if_absent(labels: &mut Vec<Label>, name: &Arc<str>, value: &Arc<str>) {
    if let Err(i) = labels.binary_search_by(|l| l.name.as_ref().cmp(name)) {
        labels.insert(
            i,
            Label {
                name: Arc::clone(name),
                value: Arc::clone(value),
            },
        );
    }
}

/// Removes labels with empty values: Prometheus treats them as absent.
pub(super) fn drop_empty(labels: &mut Vec<Label>) {
    labels.retain(|l| !l.value.is_empty());
}

/// Where one label goes in a sorted label set: replacing the label at an index, or inserted
/// before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Insert(usize),
    Replace(usize),
}

impl Slot {
    fn of(labels: &[Label], name: &str) -> Self {
        match labels.binary_search_by(|l| l.name.as_ref().cmp(name)) {
            Ok(i) => Slot::Replace(i),
            Err(i) => Slot::Insert(i),
        }
    }

    fn index(self) -> usize {
        match self {
            Slot::Insert(i) | Slot::Replace(i) => i,
        }
    }
}

/// Where `__name__` and an optional extra label (`le`, `quantile`) go in the sorted base
/// labels of a point. Found once per point, so that each of its series (a histogram point
/// has one per bucket) is a copy of the base with the labels spliced in, without searching
/// or shifting.
#[derive(Debug)]
pub(super) struct Layout {
    names: Vec<Arc<str>>,
    /// (slot, index into `names`), in output order.
    slots: Vec<(Slot, usize)>,
}

impl Layout {
    /// The layout of `base` plus the labels `names` (distinct).
    pub(super) fn new(base: &[Label], names: &[&Arc<str>]) -> Self {
        let mut slots: Vec<(Slot, usize)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (Slot::of(base, n), i))
            .collect();
        // At one index an insert precedes a replace, and inserts go in name order.
        slots.sort_by(|a, b| (a.0.index(), a.0, names[a.1]).cmp(&(b.0.index(), b.0, names[b.1])));
        Layout {
            names: names.iter().map(|n| Arc::clone(n)).collect(),
            slots,
        }
    }

    /// `base` with the layout's labels set to `values`, given in the order of the names
    /// passed to [`Layout::new`].
    pub(super) fn build(&self, base: &[Label], values: &[&Arc<str>]) -> Vec<Label> {
        debug_assert_eq!(values.len(), self.names.len());
        let mut out = Vec::with_capacity(base.len() + self.slots.len());
        let mut next = 0;
        for &(slot, i) in &self.slots {
            let (Some(name), Some(value)) = (self.names.get(i), values.get(i)) else {
                continue;
            };
            let at = slot.index();
            out.extend_from_slice(&base[next..at]);
            out.push(Label {
                name: Arc::clone(name),
                value: Arc::clone(value),
            });
            next = if matches!(slot, Slot::Replace(_)) {
                at + 1
            } else {
                at
            };
        }
        out.extend_from_slice(&base[next..]);
        out
    }
}
