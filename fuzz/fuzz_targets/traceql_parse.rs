//! Fuzzes the TraceQL subset parser: any UTF-8 input, alone or wrapped in a spanset filter,
//! must parse or fail with an error that points inside the query (or just past its end);
//! field names and Go durations must likewise parse or fail cleanly.

#![no_main]

use libfuzzer_sys::fuzz_target;

fn check(query: &str) {
    if let Err(e) = traces::traceql::parse(query) {
        let end = query.chars().count() + 1;
        assert!(
            (1..=end).contains(&e.pos),
            "{query:?}: position {} outside 1..={end}: {e}",
            e.pos
        );
        assert!(!e.message.is_empty(), "{query:?}: empty message");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    check(text);
    check(&format!("{{ {text} }}"));
    let _ = traces::traceql::parse_field(text);
    let _ = traces::traceql::parse_duration(text);
});
