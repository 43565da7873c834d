//! Opening and reading arbitrary bytes as a trace segment never panics: every damage is an
//! error. Seeds: real segments from `crates/traces` tests (copy a `.seg` file into the
//! corpus), which the fuzzer then mutates.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("0000000000000-00000001.seg");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let _ = traces::check_segment(&path);
});
