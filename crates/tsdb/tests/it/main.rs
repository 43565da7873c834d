//! Black-box tests of the engine through its public API, on real directories.

mod concurrent;
mod corruption;
mod crash;
mod labels;
mod model_check;
mod snapshot;
mod support;
