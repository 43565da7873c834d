//! The segment string table: every dictionary-coded string once, sorted, so an id is the
//! string's rank and a lookup by value is a binary search.

use crate::FastMap;
use codec::fields::{Reader, Writer};

/// Collects strings while building; [`DictBuilder::finish`] assigns the ids.
#[derive(Debug, Default)]
pub(crate) struct DictBuilder {
    strings: FastMap<String, u32>,
}

impl DictBuilder {
    pub(crate) fn add(&mut self, s: &str) {
        if !self.strings.contains_key(s) {
            self.strings.insert(s.to_owned(), 0);
        }
    }

    /// Sorts, numbers and serialises the strings; returns the bytes and the id map.
    pub(crate) fn finish(self) -> (Vec<u8>, FastMap<String, u32>) {
        let mut all: Vec<String> = self.strings.into_keys().collect();
        all.sort_unstable();
        let mut w = Writer::default();
        w.uvarint(all.len() as u64);
        for s in &all {
            w.str(s);
        }
        let ids = all
            .into_iter()
            .enumerate()
            .map(|(i, s)| (s, i as u32))
            .collect();
        (w.buf, ids)
    }
}

/// The strings of an open segment.
#[derive(Debug, Default)]
pub(crate) struct Dict {
    data: String,
    ends: Vec<u32>,
}

impl Dict {
    pub(crate) fn decode(buf: &[u8]) -> Result<Dict, usize> {
        let mut r = Reader::new(buf);
        let n = r.count()?;
        let mut data = String::with_capacity(buf.len());
        let mut ends = Vec::with_capacity(n);
        let mut prev: Option<&str> = None;
        for _ in 0..n {
            let at = r.pos();
            let s = r.str()?;
            if prev.is_some_and(|p| p >= s) {
                return Err(at);
            }
            prev = Some(s);
            data.push_str(s);
            ends.push(u32::try_from(data.len()).map_err(|_| at)?);
        }
        if !r.is_empty() {
            return Err(r.pos());
        }
        Ok(Dict { data, ends })
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn get(&self, id: u32) -> Option<&str> {
        let i = id as usize;
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.data.get(start..end)
    }

    /// The id of `s`, if the table holds it.
    pub(crate) fn find(&self, s: &str) -> Option<u32> {
        let (mut lo, mut hi) = (0usize, self.ends.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.get(mid as u32)?.cmp(s) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid as u32),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_ranks_and_lookups_work() {
        let mut b = DictBuilder::default();
        for s in ["b", "a", "", "c", "a"] {
            b.add(s);
        }
        let (bytes, ids) = b.finish();
        assert_eq!(ids["a"], 1);
        let d = Dict::decode(&bytes).expect("decodes");
        assert_eq!(d.len(), 4);
        assert_eq!(d.get(0), Some(""));
        assert_eq!(d.get(3), Some("c"));
        assert_eq!(d.get(4), None);
        assert_eq!(d.find("b"), Some(2));
        assert_eq!(d.find("bb"), None);
        let mut unsorted = Writer::default();
        unsorted.uvarint(2);
        unsorted.str("b");
        unsorted.str("a");
        assert!(Dict::decode(&unsorted.buf).is_err());
    }
}
