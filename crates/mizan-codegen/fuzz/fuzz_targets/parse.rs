//! Any bytes: the reader, the validator, both emitters and the diagnostics
//! renderer must return, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mizan_codegen::{Ir, Style, Target, emit};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match Ir::parse(src) {
        Ok(ir) => {
            for target in [
                Target::Ts,
                Target::React {
                    client: "./client".into(),
                },
            ] {
                if let Err(e) = emit(&ir, &target) {
                    let _ = e.render(src, "fuzz.kdl", Style { color: true });
                }
            }
        }
        Err(e) => {
            let _ = e.render(src, "fuzz.kdl", Style { color: true });
        }
    }
});
