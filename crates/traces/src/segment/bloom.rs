//! The trace-id membership filter of a segment: a Bloom filter with ~10 bits per id and 7
//! probes (~1% false positives), built from a mixed 128-bit hash so that ids with little
//! entropy (sequential test ids) spread as well as random ones.

use model::trace::TraceId;

/// Probes per key.
const K: u64 = 7;
/// Bits per key.
const BITS_PER_KEY: usize = 10;

fn mix(mut x: u64) -> u64 {
    // splitmix64 finaliser.
    x ^= x >> 30;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn hashes(id: &TraceId) -> (u64, u64) {
    let mut a = [0u8; 8];
    let mut b = [0u8; 8];
    a.copy_from_slice(&id.0[..8]);
    b.copy_from_slice(&id.0[8..]);
    let (a, b) = (u64::from_le_bytes(a), u64::from_le_bytes(b));
    let h1 = mix(a ^ mix(b));
    let h2 = mix(b ^ 0x9E37_79B9_7F4A_7C15 ^ h1) | 1;
    (h1, h2)
}

/// A filter over the 64-bit words of a segment's bloom section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bloom {
    words: Vec<u64>,
}

impl Bloom {
    pub(crate) fn build(ids: &[TraceId]) -> Bloom {
        let n = (ids.len() * BITS_PER_KEY).div_ceil(64).max(1);
        let mut words = vec![0u64; n];
        let bits = (n * 64) as u64;
        for id in ids {
            let (h1, h2) = hashes(id);
            for i in 0..K {
                let bit = h1.wrapping_add(i.wrapping_mul(h2)) % bits;
                words[(bit / 64) as usize] |= 1 << (bit % 64);
            }
        }
        Bloom { words }
    }

    pub(crate) fn may_contain(&self, id: &TraceId) -> bool {
        let bits = (self.words.len() * 64) as u64;
        if bits == 0 {
            return true;
        }
        let (h1, h2) = hashes(id);
        (0..K).all(|i| {
            let bit = h1.wrapping_add(i.wrapping_mul(h2)) % bits;
            self.words[(bit / 64) as usize] & (1 << (bit % 64)) != 0
        })
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        self.words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    /// From the section bytes; `None` if the length is not a whole number of words.
    pub(crate) fn from_bytes(b: &[u8]) -> Option<Bloom> {
        if !b.len().is_multiple_of(8) {
            return None;
        }
        let words = b
            .chunks_exact(8)
            .map(|c| {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                u64::from_le_bytes(a)
            })
            .collect();
        Some(Bloom { words })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(i: u64) -> TraceId {
        let mut b = [0u8; 16];
        b[8..].copy_from_slice(&i.to_le_bytes());
        TraceId(b)
    }

    #[test]
    fn members_are_found_and_false_positives_are_rare() {
        let ids: Vec<TraceId> = (0..10_000).map(id).collect();
        let bloom = Bloom::from_bytes(&Bloom::build(&ids).to_bytes()).expect("whole words");
        assert!(ids.iter().all(|i| bloom.may_contain(i)));
        let fp = (10_000..110_000)
            .filter(|i| bloom.may_contain(&id(*i)))
            .count();
        assert!(fp < 2_000, "{fp} false positives in 100000");
        assert!(Bloom::from_bytes(&[0; 7]).is_none());
    }
}
