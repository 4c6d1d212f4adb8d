//! See `src/lib.rs`: `mwt`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mizan_core_fuzz::mwt(data));
