//! See `src/lib.rs`: `query`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mizan_core_fuzz::query(data));
