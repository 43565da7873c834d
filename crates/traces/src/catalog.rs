//! Catalogs: services, operations with their kinds, attribute keys per scope with bounded
//! value sets, and service-to-service edges. The head keeps one up to date at ingest; each
//! segment stores its own, so listing calls never touch span data.

use crate::{FastMap, FastSet};
use model::trace::{AnyValue, KeyValue, Span, SpanKind};

use crate::query::{TagScope, TagValue};
use codec::fields::{Reader, Writer};

/// Values seen for one attribute key, up to a cap.
#[derive(Debug, Default, Clone)]
pub(crate) struct ValueSet {
    strs: FastSet<Box<str>>,
    ints: FastSet<i64>,
    doubles: FastSet<u64>,
    /// Bit 0: false seen, bit 1: true seen.
    bools: u8,
    /// More distinct values existed than the cap allowed to keep.
    pub(crate) overflow: bool,
}

impl ValueSet {
    /// The string values.
    pub(crate) fn strs(&self) -> impl Iterator<Item = &str> {
        self.strs.iter().map(|s| &**s)
    }

    pub(crate) fn len(&self) -> usize {
        self.strs.len() + self.ints.len() + self.doubles.len() + self.bools.count_ones() as usize
    }

    /// [`ValueSet::add`] for a string, without allocating when it is known.
    pub(crate) fn add_str(&mut self, s: &str, cap: usize) {
        if self.strs.contains(s) {
            return;
        }
        if self.len() >= cap {
            self.overflow = true;
            return;
        }
        self.strs.insert(s.into());
    }

    pub(crate) fn add(&mut self, v: &AnyValue, cap: usize) {
        let full = self.len() >= cap;
        let fresh = match v {
            AnyValue::String(s) => !self.strs.contains(s.as_str()),
            AnyValue::Int(i) => !self.ints.contains(i),
            AnyValue::Double(d) => !self.doubles.contains(&d.to_bits()),
            AnyValue::Bool(b) => self.bools & (1 << u8::from(*b)) == 0,
            _ => false,
        };
        if !fresh {
            return;
        }
        if full {
            self.overflow = true;
            return;
        }
        match v {
            AnyValue::String(s) => {
                self.strs.insert(s.as_str().into());
            }
            AnyValue::Int(i) => {
                self.ints.insert(*i);
            }
            AnyValue::Double(d) => {
                self.doubles.insert(d.to_bits());
            }
            AnyValue::Bool(b) => self.bools |= 1 << u8::from(*b),
            _ => {}
        }
    }

    pub(crate) fn merge(&mut self, other: &ValueSet, cap: usize) {
        self.overflow |= other.overflow;
        for s in &other.strs {
            self.add(&AnyValue::String(s.to_string()), cap);
        }
        for i in &other.ints {
            self.add(&AnyValue::Int(*i), cap);
        }
        for d in &other.doubles {
            self.add(&AnyValue::Double(f64::from_bits(*d)), cap);
        }
        for b in [false, true] {
            if other.bools & (1 << u8::from(b)) != 0 {
                self.add(&AnyValue::Bool(b), cap);
            }
        }
    }

    /// The values, sorted within each type (strings first).
    pub(crate) fn values(&self) -> Vec<TagValue> {
        let mut strs: Vec<&str> = self.strs.iter().map(|s| &**s).collect();
        strs.sort_unstable();
        let mut ints: Vec<i64> = self.ints.iter().copied().collect();
        ints.sort_unstable();
        let mut doubles: Vec<f64> = self.doubles.iter().map(|b| f64::from_bits(*b)).collect();
        doubles.sort_by(f64::total_cmp);
        let mut out: Vec<TagValue> = strs
            .into_iter()
            .map(|s| TagValue::String(s.into()))
            .collect();
        out.extend(ints.into_iter().map(TagValue::Int));
        out.extend(doubles.into_iter().map(TagValue::Double));
        out.extend(
            (0..2)
                .filter(|b| self.bools & (1 << b) != 0)
                .map(|b| TagValue::Bool(b == 1)),
        );
        out
    }
}

/// Edge key: (minute of the child span's start, parent service, child service).
pub(crate) type EdgeKey = (u64, String, String);

/// See the module docs.
#[derive(Debug, Default, Clone)]
pub(crate) struct Catalog {
    /// service → span name → bit mask of kinds seen.
    pub(crate) operations: FastMap<String, FastMap<String, u8>>,
    /// Per [`TagScope`]: key → values.
    pub(crate) tags: [FastMap<String, ValueSet>; 3],
    /// Service edges (filled at flush; the head computes its own on demand).
    pub(crate) edges: FastMap<EdgeKey, u64>,
}

impl Catalog {
    /// Records a span of `service` (its resource is recorded separately, once).
    pub(crate) fn observe_span(&mut self, service: &str, span: &Span, cap: usize) {
        let ops = match self.operations.get_mut(service) {
            Some(ops) => ops,
            None => self.operations.entry(service.to_owned()).or_default(),
        };
        let bit = 1u8 << (span.kind as u8);
        match ops.get_mut(span.name.as_str()) {
            Some(mask) => *mask |= bit,
            None => {
                ops.insert(span.name.clone(), bit);
            }
        }
        self.observe_attrs(TagScope::Span, &span.attributes, cap);
        for e in &span.events {
            self.observe_attrs(TagScope::Event, &e.attributes, cap);
        }
    }

    pub(crate) fn observe_attrs(&mut self, scope: TagScope, attrs: &[KeyValue], cap: usize) {
        let map = &mut self.tags[scope.idx()];
        for kv in attrs {
            match map.get_mut(kv.key.as_str()) {
                Some(set) => set.add(&kv.value, cap),
                None => map.entry(kv.key.clone()).or_default().add(&kv.value, cap),
            }
        }
    }

    /// Adds everything of `other`.
    #[cfg(test)]
    pub(crate) fn merge(&mut self, other: &Catalog, cap: usize) {
        for (svc, ops) in &other.operations {
            let mine = self.operations.entry(svc.clone()).or_default();
            for (name, mask) in ops {
                *mine.entry(name.clone()).or_default() |= mask;
            }
        }
        for (mine, theirs) in self.tags.iter_mut().zip(&other.tags) {
            for (k, set) in theirs {
                mine.entry(k.clone()).or_default().merge(set, cap);
            }
        }
        for (k, n) in &other.edges {
            *self.edges.entry(k.clone()).or_default() += n;
        }
    }

    /// Operations of a service as (name, kind) pairs.
    pub(crate) fn operations_of(&self, service: &str) -> Vec<(String, SpanKind)> {
        let Some(ops) = self.operations.get(service) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, mask) in ops {
            for k in SpanKind::ALL {
                if mask & (1 << (k as u8)) != 0 {
                    out.push((name.clone(), k));
                }
            }
        }
        out
    }

    /// Serialises for a segment (layout in `docs/format/spans.md`).
    pub(crate) fn encode(&self, w: &mut Writer) {
        let mut services: Vec<_> = self.operations.iter().collect();
        services.sort_by(|a, b| a.0.cmp(b.0));
        w.uvarint(services.len() as u64);
        for (svc, ops) in services {
            w.str(svc);
            let mut ops: Vec<_> = ops.iter().collect();
            ops.sort();
            w.uvarint(ops.len() as u64);
            for (name, mask) in ops {
                w.str(name);
                w.u8(*mask);
            }
        }
        for map in &self.tags {
            let mut keys: Vec<_> = map.iter().collect();
            keys.sort_by(|a, b| a.0.cmp(b.0));
            w.uvarint(keys.len() as u64);
            for (key, set) in keys {
                w.str(key);
                w.u8(u8::from(set.overflow) | set.bools << 1);
                let mut strs: Vec<&str> = set.strs.iter().map(|s| &**s).collect();
                strs.sort_unstable();
                w.uvarint(strs.len() as u64);
                strs.iter().for_each(|s| w.str(s));
                w.uvarint(set.ints.len() as u64);
                set.ints.iter().for_each(|i| w.varint(*i));
                w.uvarint(set.doubles.len() as u64);
                set.doubles.iter().for_each(|d| w.u64(*d));
            }
        }
        let mut edges: Vec<_> = self.edges.iter().collect();
        edges.sort();
        w.uvarint(edges.len() as u64);
        for ((minute, parent, child), n) in edges {
            w.uvarint(*minute);
            w.str(parent);
            w.str(child);
            w.uvarint(*n);
        }
    }

    /// Reads what [`Catalog::encode`] wrote.
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Catalog, usize> {
        let mut cat = Catalog::default();
        for _ in 0..r.count()? {
            let svc = r.str()?.to_owned();
            let mut ops = FastMap::default();
            for _ in 0..r.count()? {
                let name = r.str()?.to_owned();
                ops.insert(name, r.u8()?);
            }
            cat.operations.insert(svc, ops);
        }
        for map in &mut cat.tags {
            for _ in 0..r.count()? {
                let key = r.str()?.to_owned();
                let flags = r.u8()?;
                let mut set = ValueSet {
                    overflow: flags & 1 != 0,
                    bools: (flags >> 1) & 3,
                    ..ValueSet::default()
                };
                for _ in 0..r.count()? {
                    set.strs.insert(r.str()?.into());
                }
                for _ in 0..r.count()? {
                    set.ints.insert(r.varint()?);
                }
                for _ in 0..r.count()? {
                    set.doubles.insert(r.u64()?);
                }
                map.insert(key, set);
            }
        }
        for _ in 0..r.count()? {
            let minute = r.uvarint()?;
            let parent = r.str()?.to_owned();
            let child = r.str()?.to_owned();
            let n = r.uvarint()?;
            *cat.edges.entry((minute, parent, child)).or_default() += n;
        }
        Ok(cat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_round_trips_and_caps_values() {
        let mut c = Catalog::default();
        let mut span = Span {
            name: "op".into(),
            kind: SpanKind::Server,
            ..Span::default()
        };
        for i in 0..10 {
            span.attributes = vec![
                KeyValue::new("k", format!("v{i}")),
                KeyValue::new("n", i64::from(i % 2)),
                KeyValue::new("b", true),
                KeyValue::new("d", 0.5),
            ];
            c.observe_span("svc", &span, 4);
        }
        c.edges.insert((7, "a".into(), "b".into()), 3);
        let set = &c.tags[0]["k"];
        assert!(set.overflow);
        assert_eq!(set.values().len(), 4);
        let mut w = Writer::default();
        c.encode(&mut w);
        let d = Catalog::decode(&mut Reader::new(&w.buf)).expect("decodes");
        assert_eq!(
            d.operations_of("svc"),
            vec![("op".to_string(), SpanKind::Server)]
        );
        assert_eq!(d.tags[0]["k"].values(), set.values());
        assert_eq!(
            d.tags[0]["n"].values(),
            vec![TagValue::Int(0), TagValue::Int(1)]
        );
        assert_eq!(d.tags[0]["b"].values(), vec![TagValue::Bool(true)]);
        assert_eq!(d.tags[0]["d"].values(), vec![TagValue::Double(0.5)]);
        assert_eq!(d.edges[&(7, "a".into(), "b".into())], 3);
        let mut merged = Catalog::default();
        merged.merge(&d, 100);
        merged.merge(&d, 100);
        assert_eq!(merged.edges[&(7, "a".into(), "b".into())], 6);
    }
}
