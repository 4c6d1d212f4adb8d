//! See `src/lib.rs`: `header`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mizan_core_fuzz::header(data));
