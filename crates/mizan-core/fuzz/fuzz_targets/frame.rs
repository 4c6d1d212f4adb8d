//! See `src/lib.rs`: `frame`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mizan_core_fuzz::frame(data));
