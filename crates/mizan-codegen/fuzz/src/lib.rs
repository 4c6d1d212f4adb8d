//! The IR reader's fuzz target: any bytes through the reader, the
//! validator, every emitter and the diagnostics renderer, which must return
//! and never panic. `fuzz_targets/parse.rs` calls it under libFuzzer;
//! `tests/fuzz_corpus.rs` replays the corpus through it in `cargo test`.

// Included as a module by the corpus replay test.
#![allow(unreachable_pub)]

use mizan_codegen::{Ir, Style, Target, emit};

/// Any bytes.
pub fn parse(data: &[u8]) {
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
                Target::Vue {
                    client: "./client".into(),
                },
                Target::Svelte {
                    client: "../client".into(),
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
}
