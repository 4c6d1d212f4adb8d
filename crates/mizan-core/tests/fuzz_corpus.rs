//! Replays every fuzzing corpus and every kept finding through the fuzz
//! targets, without libFuzzer: an input that once broke a parser (or that
//! the fuzzer found interesting) keeps being checked by `cargo test`.

#[path = "../fuzz/src/lib.rs"]
mod targets;

use std::path::Path;

#[test]
fn every_corpus_input_and_every_finding_still_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for (name, target) in targets::TARGETS {
        for dir in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(name)) else {
                continue;
            };
            let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
            files.sort();
            for file in files {
                if file.file_name().is_some_and(|n| n == ".keep") {
                    continue;
                }
                let Some(data) = read_input(&file) else {
                    continue;
                };
                let outcome = std::panic::catch_unwind(|| target(&data));
                assert!(outcome.is_ok(), "{name}: {} fails", file.display());
                replayed += 1;
            }
        }
    }
    assert!(
        replayed >= 6 * 3,
        "the corpora are there ({replayed} inputs)"
    );
}

/// The input's bytes, or `None` when a running `scripts/fuzz` minimized it
/// away between listing the directory and reading it.
fn read_input(file: &Path) -> Option<Vec<u8>> {
    match std::fs::read(file) {
        Ok(data) => Some(data),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("{}: {e}", file.display()),
    }
}
