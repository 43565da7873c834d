//! The XOR chunk decoder never panics; whatever decodes re-encodes to equal samples, and the
//! lazy iterator agrees with `decode`.
#![no_main]

use codec::xor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (mut ts, mut vs) = (Vec::new(), Vec::new());
    let decoded = xor::decode(data, &mut ts, &mut vs);

    if let Ok(it) = xor::iter(data) {
        let mut it = it;
        let lazy: Vec<(i64, u64)> = it.by_ref().map(|(t, v)| (t, v.to_bits())).collect();
        assert_eq!(decoded.is_ok(), it.error().is_none());
        if decoded.is_ok() {
            let eager: Vec<(i64, u64)> =
                ts.iter().zip(&vs).map(|(&t, v)| (t, v.to_bits())).collect();
            assert_eq!(lazy, eager);
        }
    }

    if let Ok(n) = decoded {
        assert_eq!(n, ts.len());
        let mut a = xor::XorAppender::new();
        for (&t, &v) in ts.iter().zip(&vs) {
            a.append(t, v);
        }
        let (mut ts2, mut vs2) = (Vec::new(), Vec::new());
        xor::decode(a.bytes(), &mut ts2, &mut vs2).expect("re-encoded chunk decodes");
        assert_eq!(ts, ts2);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&vs), bits(&vs2));
    }
});
