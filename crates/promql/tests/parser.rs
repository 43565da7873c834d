//! Integration tests of the parser: the conformance scripts, random ASTs, and inputs that
//! must never make it panic.

mod parser {
    pub(crate) mod arb;
    pub(crate) mod props;
    pub(crate) mod scripts;
}
