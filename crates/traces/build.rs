//! Declares the `fuzzing` cfg that cargo-fuzz sets, under which segment checksums are not
//! enforced so the fuzzer reaches the decoders behind them.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(fuzzing)");
}
