//! The head: the newest data, in memory, made durable by the WAL.
//!
//! Series live in 1024 lock stripes. A series reference carries its stripe in its low bits,
//! and the stripe is chosen by the label hash, so finding a series by labels and by reference
//! each take one lock. Appends hold the stripe lock only while they touch one series.
//!
//! Sub-modules split the head by verb: [`append`] (validation and ingest), [`replay`] (WAL
//! replay), [`read`] (snapshots for queries), [`truncate`] (cutting blocks, garbage
//! collection).

pub(crate) mod append;
pub(crate) mod chunk_file;
pub(crate) mod delete;
pub(crate) mod index;
pub(crate) mod read;
pub(crate) mod replay;
pub(crate) mod series;
pub(crate) mod truncate;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use model::Label;
use parking_lot::{Mutex, RwLock};

use self::chunk_file::HeadChunks;
use self::index::{Interner, LabelIndex};
use self::series::{Limits, MemSeries};
use crate::error::{Error, Result};
use crate::record::SeriesRef;

const STRIPE_BITS: u32 = 10;
const STRIPES: usize = 1 << STRIPE_BITS;
const STRIPE_MASK: u32 = (STRIPES - 1) as u32;

/// Settings the head needs from [`crate::Options`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeadOptions {
    pub(crate) block_ms: i64,
    pub(crate) ooo_window_ms: i64,
    pub(crate) chunk_samples: usize,
}

/// Series of one stripe. Ingest finds a series by its label hash with one probe of
/// `by_hash`, which holds the series itself; lookups by reference (queries, replay) go
/// through `refs` first.
#[derive(Debug, Default)]
pub(crate) struct Stripe {
    by_hash: HashMap<u64, MemSeries, MixState>,
    /// Series whose hash equals that of a different label set already in `by_hash` (rare).
    collided: HashMap<SeriesRef, (u64, MemSeries), MixState>,
    /// Reference -> label hash of the series in `by_hash`.
    refs: HashMap<SeriesRef, u64, MixState>,
    /// Counter for the next reference allocated in this stripe.
    next: u32,
}

impl Stripe {
    pub(crate) fn find_mut(&mut self, hash: u64, labels: &[Label]) -> Option<&mut MemSeries> {
        if let Some(s) = self.by_hash.get_mut(&hash)
            && same_labels(s.labels.as_slice(), labels)
        {
            return Some(s);
        }
        if self.collided.is_empty() {
            return None;
        }
        self.collided
            .values_mut()
            .find(|(h, s)| *h == hash && same_labels(s.labels.as_slice(), labels))
            .map(|(_, s)| s)
    }

    /// The series in the fast map under this hash, without comparing labels: for loading
    /// its lines ahead of the real lookup.
    pub(crate) fn probe(&self, hash: u64) -> Option<&MemSeries> {
        self.by_hash.get(&hash)
    }

    fn find(&self, hash: u64, labels: &[Label]) -> Option<SeriesRef> {
        match self.by_hash.get(&hash) {
            Some(s) if same_labels(s.labels.as_slice(), labels) => Some(s.r),
            _ => self
                .collided
                .values()
                .find(|(h, s)| *h == hash && same_labels(s.labels.as_slice(), labels))
                .map(|(_, s)| s.r),
        }
    }

    pub(crate) fn get(&self, r: SeriesRef) -> Option<&MemSeries> {
        match self.refs.get(&r) {
            Some(h) => self.by_hash.get(h),
            None => self.collided.get(&r).map(|(_, s)| s),
        }
    }

    pub(crate) fn get_mut(&mut self, r: SeriesRef) -> Option<&mut MemSeries> {
        match self.refs.get(&r) {
            Some(h) => self.by_hash.get_mut(h),
            None => self.collided.get_mut(&r).map(|(_, s)| s),
        }
    }

    pub(crate) fn contains(&self, r: SeriesRef) -> bool {
        self.refs.contains_key(&r) || self.collided.contains_key(&r)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &MemSeries> {
        self.by_hash
            .values()
            .chain(self.collided.values().map(|(_, s)| s))
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut MemSeries> {
        self.by_hash
            .values_mut()
            .chain(self.collided.values_mut().map(|(_, s)| s))
    }

    fn insert(&mut self, hash: u64, series: MemSeries) {
        let r = series.r;
        self.next = self.next.max((r >> STRIPE_BITS) + 1);
        if self.by_hash.contains_key(&hash) {
            self.collided.insert(r, (hash, series));
        } else {
            self.refs.insert(r, hash);
            self.by_hash.insert(hash, series);
        }
    }

    fn remove(&mut self, r: SeriesRef) -> Option<MemSeries> {
        let Some(hash) = self.refs.remove(&r) else {
            return self.collided.remove(&r).map(|(_, s)| s);
        };
        let removed = self.by_hash.remove(&hash);
        // Promote a collided series with the same hash into the fast map.
        if let Some(&other) = self
            .collided
            .iter()
            .find(|(_, (h, _))| *h == hash)
            .map(|(r, _)| r)
            && let Some((h, s)) = self.collided.remove(&other)
        {
            self.refs.insert(other, h);
            self.by_hash.insert(h, s);
        }
        removed
    }

    fn alloc(&mut self, stripe: usize) -> Result<SeriesRef> {
        let n = self.next;
        if n >= 1 << (32 - STRIPE_BITS) {
            return Err(Error::SeriesRefsExhausted);
        }
        self.next += 1;
        Ok((n << STRIPE_BITS) | stripe as u32)
    }
}

/// In-memory state of the newest data.
#[derive(Debug)]
pub(crate) struct Head {
    pub(crate) opts: HeadOptions,
    pub(crate) stripes: Box<[RwLock<Stripe>]>,
    pub(crate) index: RwLock<LabelIndex>,
    pub(crate) interner: Mutex<Interner>,
    pub(crate) chunks: HeadChunks,
    /// Samples before this are in blocks; the head accepts none of them.
    pub(crate) min_valid: AtomicI64,
    /// Newest sample time seen.
    pub(crate) max_t: AtomicI64,
    /// Oldest sample time held (approximate until the next truncation recomputes it).
    pub(crate) min_t: AtomicI64,
    /// Samples held, for statistics.
    pub(crate) num_samples: AtomicU64,
    /// Appends hold it shared; WAL checkpoints and garbage collection hold it exclusively, so
    /// they see no append half done.
    pub(crate) gate: RwLock<()>,
}

impl Head {
    /// An empty head whose chunk spill files live in `chunks_dir`.
    pub(crate) fn new(opts: HeadOptions, chunks_dir: &Path, min_valid: i64) -> Result<Self> {
        Ok(Head {
            opts,
            stripes: (0..STRIPES)
                .map(|_| RwLock::new(Stripe::default()))
                .collect(),
            index: RwLock::new(LabelIndex::default()),
            interner: Mutex::new(Interner::default()),
            chunks: HeadChunks::create(chunks_dir)?,
            min_valid: AtomicI64::new(min_valid),
            max_t: AtomicI64::new(i64::MIN),
            min_t: AtomicI64::new(i64::MAX),
            num_samples: AtomicU64::new(0),
            gate: RwLock::new(()),
        })
    }

    pub(crate) fn limits(&self) -> Limits {
        let max_t = self.max_t.load(Ordering::Acquire);
        Limits {
            min_valid: self.min_valid.load(Ordering::Acquire),
            ooo_floor: max_t.saturating_sub(self.opts.ooo_window_ms),
            ooo_enabled: self.opts.ooo_window_ms > 0,
            block_ms: self.opts.block_ms,
            chunk_samples: self.opts.chunk_samples,
        }
    }

    /// Finds a series by its canonical labels.
    pub(crate) fn lookup(&self, hash: u64, labels: &[Label]) -> Option<SeriesRef> {
        self.stripes[stripe_of_hash(hash)].read().find(hash, labels)
    }

    /// Oldest and newest sample times, if the head holds any.
    pub(crate) fn time_range(&self) -> Option<(i64, i64)> {
        let (lo, hi) = (
            self.min_t.load(Ordering::Acquire),
            self.max_t.load(Ordering::Acquire),
        );
        (lo <= hi).then_some((lo.max(self.min_valid.load(Ordering::Acquire)), hi))
    }

    pub(crate) fn note_times(&self, lo: i64, hi: i64) {
        if lo <= hi {
            self.min_t.fetch_min(lo, Ordering::AcqRel);
            self.max_t.fetch_max(hi, Ordering::AcqRel);
        }
    }
}

/// Label-set equality for the lookup after a hash hit, where it runs once per series per
/// append. Label strings are short, so comparing them in 8-byte words inline beats a call to
/// `memcmp` per string, which is what `==` on `str` compiles to.
fn same_labels(a: &[Label], b: &[Label]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| same_str(&x.name, &y.name) && same_str(&x.value, &y.value))
}

fn same_str(a: &std::sync::Arc<str>, b: &std::sync::Arc<str>) -> bool {
    if std::sync::Arc::ptr_eq(a, b) {
        return true;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let (mut wa, mut wb) = (a.chunks_exact(8), b.chunks_exact(8));
    for (x, y) in (&mut wa).zip(&mut wb) {
        let word = |w: &[u8]| u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        if word(x) != word(y) {
            return false;
        }
    }
    wa.remainder()
        .iter()
        .zip(wb.remainder())
        .fold(0u8, |d, (x, y)| d | (x ^ y))
        == 0
}

pub(crate) fn stripe_of_hash(hash: u64) -> usize {
    (hash as u32 & STRIPE_MASK) as usize
}

pub(crate) fn stripe_of_ref(r: SeriesRef) -> usize {
    (r & STRIPE_MASK) as usize
}

/// A hash of a canonical label set that is stable across runs, builds and machines: series
/// references written to the WAL encode the stripe this hash selects.
pub(crate) fn labels_hash(labels: &[Label]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = 0x243F_6A88_85A3_08D3;
    for l in labels {
        for s in [l.name.as_bytes(), l.value.as_bytes()] {
            let mut words = s.chunks_exact(8);
            for w in &mut words {
                let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
                h = (h ^ w).wrapping_mul(K).rotate_left(31);
            }
            // The tail word carries the string's length, which keeps "ab","c" and "a","bc"
            // apart. Collisions are harmless for correctness (lookups compare labels), but
            // they cost a second comparison.
            let mut tail = (s.len() as u64) << 56;
            for (i, &b) in words.remainder().iter().enumerate() {
                tail ^= u64::from(b) << (8 * i);
            }
            h = (h ^ tail).wrapping_mul(K).rotate_left(31);
        }
    }
    fmix64(h)
}

/// Murmur3's finaliser: spreads every input bit over the whole word.
fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

/// Hasher for keys that are already hashes or series references: one multiply-and-finalise
/// instead of SipHash. References in a stripe share their low bits, so the mix matters.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        fmix64(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 ^= u64::from(n);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

/// Builds [`MixHasher`]s.
pub(crate) type MixState = BuildHasherDefault<MixHasher>;

#[cfg(test)]
mod tests {
    use super::*;
    use model::Labels;

    const PINNED: u64 = 0xa7da_57cb_3b66_cb42;

    #[test]
    fn labels_hash_is_stable_and_separates_strings() {
        let a = Labels::from_pairs([("__name__", "up"), ("job", "ab")]).expect("labels");
        let b = Labels::from_pairs([("__name__", "up"), ("job", "a"), ("jobb", "")]).expect("l");
        let c = Labels::from_pairs([("__name__", "upj"), ("ob", "ab")]).expect("labels");
        assert_ne!(labels_hash(a.as_slice()), labels_hash(b.as_slice()));
        assert_ne!(labels_hash(a.as_slice()), labels_hash(c.as_slice()));
        // Pinned: WAL references depend on this value never changing.
        assert_eq!(
            labels_hash(a.as_slice()),
            PINNED,
            "labels_hash changed: {:#x}",
            labels_hash(a.as_slice())
        );
        assert_eq!(labels_hash(&[]), fmix64(0x243F_6A88_85A3_08D3));
    }

    #[test]
    fn same_labels_agrees_with_equality() {
        let text = "abcdefghijklmnopqrstuvwxyz";
        for len in 0..=text.len() {
            let base = &text[..len];
            let a = [Label::new("__name__", base)];
            assert!(same_labels(&a, &[Label::new("__name__", base)]));
            // A difference at every position, in every 8-byte word and in the tail.
            for at in 0..len {
                let mut other = base.as_bytes().to_vec();
                other[at] = b'_';
                let other = String::from_utf8(other).expect("ascii");
                assert!(
                    !same_labels(&a, &[Label::new("__name__", other)]),
                    "{len} {at}"
                );
            }
            let longer = format!("{base}x");
            assert!(!same_labels(&a, &[Label::new("__name__", longer.as_str())]));
        }
        let two = [Label::new("__name__", "up"), Label::new("job", "a")];
        assert!(!same_labels(&two, &two[..1]));
        assert!(!same_labels(
            &two,
            &[Label::new("__name__", "up"), Label::new("jab", "a")]
        ));
    }
}
