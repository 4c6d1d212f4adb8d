//! See `src/lib.rs`: `canonical`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mizan_core_fuzz::canonical(data));
