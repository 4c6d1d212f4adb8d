//! See `src/lib.rs`: `call`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mizan_core_fuzz::call(data));
