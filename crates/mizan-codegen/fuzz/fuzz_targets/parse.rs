//! See `src/lib.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mizan_codegen_fuzz::parse(data));
