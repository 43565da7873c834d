//! The inverted index of a segment: for each field (span name, service, kind, status, and
//! attribute keys per scope) with few enough distinct values, a roaring bitmap of span rows
//! per value. Fields over the cap are listed as present but unindexed; conditions on them
//! are checked on the columns instead.
//!
//! [`plan`] turns a [`SpanFilter`] into candidate rows: exact when every condition could be
//! answered from the index, otherwise a superset to be checked span by span.

use std::collections::HashMap;

use model::trace::AnyValue;
use roaring::RoaringBitmap;

use crate::query::eval::{ValueRef, compare};
use crate::query::{Field, Intrinsic, Literal, Op, SpanFilter, TagScope};
use crate::value::{get_value, put_value};
use crate::{FastMap, FastSet};
use codec::fields::{Reader, Writer};

/// A field of the index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum FieldKey {
    Name,
    Service,
    Kind,
    Status,
    Attr(TagScope, String),
}

impl FieldKey {
    fn code(&self) -> (u8, &str) {
        match self {
            FieldKey::Name => (0, ""),
            FieldKey::Service => (1, ""),
            FieldKey::Kind => (2, ""),
            FieldKey::Status => (3, ""),
            FieldKey::Attr(s, k) => (4 + *s as u8, k),
        }
    }

    fn from_code(code: u8, key: &str) -> Option<FieldKey> {
        Some(match code {
            0 => FieldKey::Name,
            1 => FieldKey::Service,
            2 => FieldKey::Kind,
            3 => FieldKey::Status,
            4..=6 => FieldKey::Attr(TagScope::ALL[usize::from(code - 4)], key.to_owned()),
            _ => return None,
        })
    }
}

#[derive(Debug, Default)]
struct Postings {
    indexed: bool,
    strs: FastMap<String, RoaringBitmap>,
    ints: FastMap<i64, RoaringBitmap>,
    doubles: FastMap<u64, RoaringBitmap>,
    bools: [RoaringBitmap; 2],
}

/// Adds `row` to a bitmap whose rows arrive in order; a repeat of the last row (a duplicate
/// key) is a no-op.
fn push(bm: &mut RoaringBitmap, row: u32) {
    if bm.try_push(row).is_err() {
        bm.insert(row);
    }
}

impl Postings {
    fn new(indexed: bool) -> Self {
        Postings {
            indexed,
            ..Postings::default()
        }
    }

    fn add_str(&mut self, s: &str, row: u32) {
        if !self.indexed {
            return;
        }
        match self.strs.get_mut(s) {
            Some(b) => push(b, row),
            None => push(self.strs.entry(s.to_owned()).or_default(), row),
        }
    }

    fn slot(&mut self, v: &AnyValue) -> Option<&mut RoaringBitmap> {
        Some(match v {
            AnyValue::String(s) => match self.strs.contains_key(s.as_str()) {
                true => self.strs.get_mut(s.as_str())?,
                false => self.strs.entry(s.clone()).or_default(),
            },
            AnyValue::Int(i) => self.ints.entry(*i).or_default(),
            AnyValue::Double(d) => self.doubles.entry(d.to_bits()).or_default(),
            AnyValue::Bool(b) => &mut self.bools[usize::from(*b)],
            _ => return None,
        })
    }

    fn add(&mut self, v: &AnyValue, row: u32) {
        if !self.indexed {
            return;
        }
        match self.slot(v) {
            Some(bm) => push(bm, row),
            // Values the index cannot represent make the whole field a scan.
            None => *self = Postings::new(false),
        }
    }

    fn add_bitmap(&mut self, v: &AnyValue, rows: &RoaringBitmap) {
        if !self.indexed {
            return;
        }
        match self.slot(v) {
            Some(bm) => *bm |= rows,
            None => *self = Postings::new(false),
        }
    }
}

/// Collects postings while a segment is built.
#[derive(Debug)]
pub(crate) struct IndexBuilder {
    name: Postings,
    service: Postings,
    kind: Postings,
    status: Postings,
    attrs: [FastMap<String, Postings>; 3],
    unindexed: FastSet<FieldKey>,
}

impl IndexBuilder {
    /// `unindexed`: fields found over the cardinality cap in the first pass.
    pub(crate) fn new(unindexed: FastSet<FieldKey>) -> Self {
        let p = |f: FieldKey| Postings::new(!unindexed.contains(&f));
        IndexBuilder {
            name: p(FieldKey::Name),
            service: p(FieldKey::Service),
            kind: p(FieldKey::Kind),
            status: p(FieldKey::Status),
            attrs: Default::default(),
            unindexed,
        }
    }

    pub(crate) fn add_name(&mut self, name: &str, row: u32) {
        self.name.add_str(name, row);
    }

    pub(crate) fn add_kind_status(&mut self, kind: i64, status: i64, row: u32) {
        self.kind.add(&AnyValue::Int(kind), row);
        self.status.add(&AnyValue::Int(status), row);
    }

    pub(crate) fn add_service_rows(&mut self, service: &str, rows: &RoaringBitmap) {
        self.service
            .add_bitmap(&AnyValue::String(service.to_owned()), rows);
    }

    fn attr(&mut self, scope: TagScope, key: &str) -> &mut Postings {
        let map = &mut self.attrs[scope.idx()];
        if !map.contains_key(key) {
            let indexed = !self
                .unindexed
                .contains(&FieldKey::Attr(scope, key.to_owned()));
            map.insert(key.to_owned(), Postings::new(indexed));
        }
        map.entry(key.to_owned()).or_default()
    }

    /// Adds an attribute value without allocating for known keys.
    pub(crate) fn add_attr(&mut self, scope: TagScope, key: &str, v: &AnyValue, row: u32) {
        if let Some(p) = self.attrs[scope.idx()].get_mut(key) {
            p.add(v, row);
            return;
        }
        self.attr(scope, key).add(v, row);
    }

    pub(crate) fn add_attr_rows(
        &mut self,
        scope: TagScope,
        key: &str,
        v: &AnyValue,
        rows: &RoaringBitmap,
    ) {
        self.attr(scope, key).add_bitmap(v, rows);
    }

    /// Serialises into the terms section (returned) and appends bitmaps to `postings`.
    pub(crate) fn finish(self, postings: &mut Vec<u8>) -> Vec<u8> {
        let mut fields: Vec<(FieldKey, Postings)> = vec![
            (FieldKey::Name, self.name),
            (FieldKey::Service, self.service),
            (FieldKey::Kind, self.kind),
            (FieldKey::Status, self.status),
        ];
        for (scope, map) in TagScope::ALL.into_iter().zip(self.attrs) {
            fields.extend(map.into_iter().map(|(k, p)| (FieldKey::Attr(scope, k), p)));
        }
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        let mut w = Writer::default();
        w.uvarint(fields.len() as u64);
        for (f, p) in fields {
            let (code, key) = f.code();
            w.u8(code);
            w.str(key);
            w.u8(u8::from(p.indexed));
            let mut terms: Vec<(AnyValue, RoaringBitmap)> = Vec::new();
            let mut strs: Vec<_> = p.strs.into_iter().collect();
            strs.sort_by(|a, b| a.0.cmp(&b.0));
            terms.extend(strs.into_iter().map(|(s, b)| (AnyValue::String(s), b)));
            let mut ints: Vec<_> = p.ints.into_iter().collect();
            ints.sort_by_key(|x| x.0);
            terms.extend(ints.into_iter().map(|(i, b)| (AnyValue::Int(i), b)));
            let mut ds: Vec<_> = p.doubles.into_iter().collect();
            ds.sort_by_key(|x| x.0);
            terms.extend(
                ds.into_iter()
                    .map(|(d, b)| (AnyValue::Double(f64::from_bits(d)), b)),
            );
            for (i, b) in p.bools.into_iter().enumerate() {
                if !b.is_empty() {
                    terms.push((AnyValue::Bool(i == 1), b));
                }
            }
            w.uvarint(terms.len() as u64);
            for (v, mut b) in terms {
                b.optimize();
                put_value(&mut w, &v);
                w.uvarint(postings.len() as u64);
                let before = postings.len();
                // Writing into a Vec cannot fail.
                let _ = b.serialize_into(&mut *postings);
                w.uvarint((postings.len() - before) as u64);
            }
        }
        w.buf
    }
}

/// One field of an open segment's index.
#[derive(Debug)]
pub(crate) struct FieldTerms {
    pub(crate) indexed: bool,
    /// (value, offset, length) into the postings section.
    pub(crate) terms: Vec<(AnyValue, u64, u64)>,
}

/// The index of an open segment (terms in memory, bitmaps read from the mapped file).
#[derive(Debug, Default)]
pub(crate) struct IndexReader {
    pub(crate) fields: HashMap<FieldKey, FieldTerms>,
}

impl IndexReader {
    pub(crate) fn decode(buf: &[u8], postings_len: u64) -> Result<IndexReader, usize> {
        let mut r = Reader::new(buf);
        let mut fields = HashMap::new();
        for _ in 0..r.count()? {
            let at = r.pos();
            let code = r.u8()?;
            let key = r.str()?;
            let f = FieldKey::from_code(code, key).ok_or(at)?;
            let indexed = r.u8()? == 1;
            let n = r.count()?;
            let mut terms = Vec::with_capacity(n);
            for _ in 0..n {
                let v = get_value(&mut r, None)?;
                let at = r.pos();
                let (off, len) = (r.uvarint()?, r.uvarint()?);
                if off.checked_add(len).is_none_or(|e| e > postings_len) {
                    return Err(at);
                }
                terms.push((v, off, len));
            }
            fields.insert(f, FieldTerms { indexed, terms });
        }
        Ok(IndexReader { fields })
    }
}

/// Candidate rows for a filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    /// `None`: every row.
    pub(crate) rows: Option<RoaringBitmap>,
    /// The rows are exactly the matches (no per-span check needed).
    pub(crate) exact: bool,
}

/// Reads one posting list.
pub(crate) type Load<'a> = &'a dyn Fn(u64, u64) -> Option<RoaringBitmap>;

/// See the module docs. `n_rows` is the segment's span count. A posting that fails to load
/// makes its condition a scan rather than an error.
pub(crate) fn plan(f: &SpanFilter, idx: &IndexReader, n_rows: u32, load: Load<'_>) -> Plan {
    let all = |exact| Plan { rows: None, exact };
    match f {
        SpanFilter::All => all(true),
        SpanFilter::Cond(c) => {
            let fields: Vec<FieldKey> = match &c.field {
                Field::Intrinsic(Intrinsic::Name) => vec![FieldKey::Name],
                Field::Intrinsic(Intrinsic::Service) => vec![FieldKey::Service],
                Field::Intrinsic(Intrinsic::Kind) => vec![FieldKey::Kind],
                Field::Intrinsic(Intrinsic::Status) => vec![FieldKey::Status],
                Field::Intrinsic(_) => return all(false),
                Field::Attr { scope, key } => scope
                    .bases()
                    .iter()
                    .map(|b| FieldKey::Attr(*b, key.clone()))
                    .collect(),
            };
            let nil = matches!(c.value, Literal::Nil);
            let mut rows = RoaringBitmap::new();
            for fk in &fields {
                let Some(ft) = idx.fields.get(fk) else {
                    continue;
                };
                if !ft.indexed {
                    return all(false);
                }
                for (v, off, len) in &ft.terms {
                    if nil || compare(c.op, &c.value, ValueRef::of(v)) {
                        match load(*off, *len) {
                            Some(b) => rows |= b,
                            None => return all(false),
                        }
                    }
                }
            }
            if nil {
                match c.op {
                    Op::Ne => {}
                    Op::Eq => {
                        let mut full = RoaringBitmap::new();
                        full.insert_range(0..n_rows);
                        rows = full - rows;
                    }
                    _ => rows = RoaringBitmap::new(),
                }
            }
            Plan {
                rows: Some(rows),
                exact: true,
            }
        }
        SpanFilter::And(items) => {
            let mut out: Option<RoaringBitmap> = None;
            let mut exact = true;
            for it in items {
                let p = plan(it, idx, n_rows, load);
                exact &= p.exact;
                if let Some(r) = p.rows {
                    out = Some(match out {
                        Some(o) => o & r,
                        None => r,
                    });
                    if out.as_ref().is_some_and(RoaringBitmap::is_empty) {
                        return Plan {
                            rows: out,
                            exact: true,
                        };
                    }
                }
            }
            Plan { rows: out, exact }
        }
        SpanFilter::Or(items) => {
            let mut out = RoaringBitmap::new();
            let mut exact = true;
            for it in items {
                let p = plan(it, idx, n_rows, load);
                match p.rows {
                    None => return all(p.exact),
                    Some(r) => out |= r,
                }
                exact &= p.exact;
            }
            Plan {
                rows: Some(out),
                exact,
            }
        }
    }
}
