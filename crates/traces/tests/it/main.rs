//! Black-box tests of the trace store through its public API, on real directories.

mod corruption;
mod crash;
mod model_check;
mod store;
mod support;
mod workload;
