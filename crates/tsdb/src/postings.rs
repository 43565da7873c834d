//! Turning label matchers into the set of series that satisfy them.
//!
//! Works over any [`PostingsSource`] (the head's in-memory index or a block's index file),
//! following Prometheus's plan: matchers that require a label (`job="api"`, `path=~"/v1/.+"`)
//! intersect the union of postings of the values they accept; matchers that a missing label
//! satisfies (`env!="prod"`, `x=~"a|"`) subtract the postings of the values they reject. A regex
//! with a finite literal set is answered by direct lookups and one with a literal prefix scans
//! only the values with that prefix, so Grafana's `job=~"(a|b|c)"` never scans a label.

use model::{MatchOp, Matcher};
use roaring::RoaringBitmap;

use crate::error::Result;

/// An index that can answer postings questions.
pub(crate) trait PostingsSource {
    /// Series with `name="value"` (empty if none).
    fn postings(&self, name: &str, value: &str) -> Result<RoaringBitmap>;
    /// Union of the postings of every value of `name` that starts with `prefix` and satisfies
    /// `pred`.
    fn union_matching(
        &self,
        name: &str,
        prefix: &str,
        pred: &dyn Fn(&str) -> bool,
    ) -> Result<RoaringBitmap>;
    /// Every series.
    fn all(&self) -> Result<RoaringBitmap>;
}

/// Series satisfying every matcher.
pub(crate) fn select(src: &impl PostingsSource, matchers: &[Matcher]) -> Result<RoaringBitmap> {
    let mut intersect: Option<RoaringBitmap> = None;
    let mut subtract = RoaringBitmap::new();
    // Required-label matchers first: they shrink the set fastest.
    let (required, optional): (Vec<&Matcher>, Vec<&Matcher>) =
        matchers.iter().partition(|m| !m.matches_empty());
    for m in required {
        let bm = values_where(src, m, true)?;
        intersect = Some(match intersect {
            None => bm,
            Some(acc) => acc & bm,
        });
        if intersect.as_ref().is_some_and(RoaringBitmap::is_empty) {
            return Ok(RoaringBitmap::new());
        }
    }
    for m in optional {
        if m.op == MatchOp::Regex && (m.value == ".*" || m.value == "(?s:.*)") {
            continue;
        }
        subtract |= values_where(src, m, false)?;
    }
    let base = match intersect {
        Some(bm) => bm,
        None => src.all()?,
    };
    Ok(base - subtract)
}

/// Union of postings of the values `v` of the matcher's label with `m.matches(v) == want`.
fn values_where(src: &impl PostingsSource, m: &Matcher, want: bool) -> Result<RoaringBitmap> {
    // The hints describe what the matcher's pattern (before negation) accepts.
    let pattern_side = m.op.is_negative() != want;
    if pattern_side {
        if let Some(set) = m.set_matches() {
            let mut out = RoaringBitmap::new();
            for v in set.into_iter().filter(|v| !v.is_empty()) {
                out |= src.postings(&m.name, v)?;
            }
            return Ok(out);
        }
        return src.union_matching(&m.name, m.literal_prefix(), &|v| m.matches(v) == want);
    }
    src.union_matching(&m.name, "", &|v| m.matches(v) == want)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::head::index::LabelIndex;
    use model::Labels;

    fn index() -> LabelIndex {
        let mut ix = LabelIndex::default();
        let series = [
            [("__name__", "up"), ("job", "api"), ("env", "prod")],
            [("__name__", "up"), ("job", "web"), ("env", "dev")],
            [("__name__", "up"), ("job", "db"), ("env", "")],
        ];
        for (i, s) in series.iter().enumerate() {
            ix.add(
                i as u32,
                &Labels::from_pairs(s.iter().copied()).expect("labels"),
            );
        }
        ix
    }

    fn sel(ms: &[Matcher]) -> Vec<u32> {
        select(&index(), ms).expect("select").iter().collect()
    }

    fn m(op: MatchOp, n: &str, v: &str) -> Matcher {
        Matcher::new(op, n, v).expect("matcher")
    }

    #[test]
    fn positive_and_negative_matchers() {
        assert_eq!(sel(&[m(MatchOp::Equal, "job", "api")]), [0]);
        assert_eq!(
            sel(&[m(MatchOp::NotEqual, "env", "prod")]),
            [1, 2],
            "absent env matches !="
        );
        assert_eq!(sel(&[m(MatchOp::Regex, "job", "api|db")]), [0, 2]);
        assert_eq!(sel(&[m(MatchOp::Regex, "job", "w.*")]), [1]);
        assert_eq!(sel(&[m(MatchOp::NotRegex, "job", "a.*")]), [1, 2]);
        assert_eq!(
            sel(&[m(MatchOp::Regex, "env", "prod|")]),
            [0, 2],
            "empty alternative"
        );
        assert_eq!(
            sel(&[m(MatchOp::NotEqual, "env", "")]),
            [0, 1],
            "label must be present"
        );
        assert_eq!(sel(&[m(MatchOp::Regex, "job", ".*")]), [0, 1, 2]);
        assert_eq!(
            sel(&[
                m(MatchOp::Regex, "job", ".+"),
                m(MatchOp::Equal, "env", "dev")
            ]),
            [1]
        );
        assert!(sel(&[m(MatchOp::Equal, "job", "nope")]).is_empty());
    }

    /// Records which lookups a selection makes.
    struct Spy {
        inner: LabelIndex,
        scans: std::cell::RefCell<Vec<(String, String)>>,
    }

    impl PostingsSource for Spy {
        fn postings(&self, name: &str, value: &str) -> Result<RoaringBitmap> {
            self.inner.postings(name, value)
        }
        fn union_matching(
            &self,
            name: &str,
            prefix: &str,
            pred: &dyn Fn(&str) -> bool,
        ) -> Result<RoaringBitmap> {
            self.scans
                .borrow_mut()
                .push((name.to_string(), prefix.to_string()));
            self.inner.union_matching(name, prefix, pred)
        }
        fn all(&self) -> Result<RoaringBitmap> {
            self.inner.all()
        }
    }

    #[test]
    fn alternations_and_prefixes_use_the_index() {
        let spy = Spy {
            inner: index(),
            scans: Default::default(),
        };
        let got = select(&spy, &[m(MatchOp::Regex, "job", "(api|db)")]).expect("select");
        assert_eq!(got.iter().collect::<Vec<_>>(), [0, 2]);
        assert!(
            spy.scans.borrow().is_empty(),
            "a literal alternation must not scan values"
        );
        select(&spy, &[m(MatchOp::NotRegex, "job", "api|web")]).expect("select");
        assert!(spy.scans.borrow().is_empty(), "nor its negation");
        select(&spy, &[m(MatchOp::Regex, "job", "we.+")]).expect("select");
        assert_eq!(
            spy.scans.borrow().as_slice(),
            [("job".to_string(), "we".to_string())]
        );
    }
}
