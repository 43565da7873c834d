//! Column decoders never panic; whatever decodes re-encodes to an equal column.
#![no_main]

use codec::column;
use libfuzzer_sys::fuzz_target;

/// Re-encoding is skipped above this many values: a 10-byte constant column may legitimately
/// decode to 2^24 values, and re-encoding those would slow the fuzzer to a crawl.
const MAX_REENCODE: usize = 1 << 16;

fuzz_target!(|data: &[u8]| {
    let _ = column::count(data);
    let _ = column::encoding_name(data);

    let mut ts = Vec::new();
    if column::decode_timestamps(data, &mut ts).is_ok() {
        assert_eq!(column::count(data).ok(), Some(ts.len()));
        if ts.len() > MAX_REENCODE {
            return;
        }
        let mut buf = Vec::new();
        column::encode_timestamps(&ts, &mut buf);
        let mut again = Vec::new();
        column::decode_timestamps(&buf, &mut again).expect("re-encoded timestamps decode");
        assert_eq!(ts, again);
    }

    let mut vs = Vec::new();
    if column::decode_values(data, &mut vs).is_ok() {
        assert_eq!(column::count(data).ok(), Some(vs.len()));
        if vs.len() > MAX_REENCODE {
            return;
        }
        let mut buf = Vec::new();
        column::encode_values(&vs, &mut buf);
        let mut again = Vec::new();
        column::decode_values(&buf, &mut again).expect("re-encoded values decode");
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&vs), bits(&again));
    }
});
