//! Fuzzes the PromQL parser: any UTF-8 input must parse or fail cleanly, and whatever parses
//! must print (plainly and prettified) to text that parses back to the same tree.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else { return };
    let Ok(expr) = promql::parse(query) else { return };
    let printed = expr.to_string();
    let again = promql::parse(&printed)
        .unwrap_or_else(|e| panic!("{query:?} printed as {printed:?} does not parse: {e}"));
    assert_eq!(again.normalized(), expr.normalized(), "{query:?} printed as {printed:?}");
    let pretty = promql::prettify(&expr);
    let again = promql::parse(&pretty)
        .unwrap_or_else(|e| panic!("{query:?} prettified as {pretty:?} does not parse: {e}"));
    assert_eq!(again.normalized(), expr.normalized(), "{query:?} prettified as {pretty:?}");
});
