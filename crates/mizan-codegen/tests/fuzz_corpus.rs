//! Replays the IR reader's fuzzing corpus and kept findings through its
//! fuzz target, without libFuzzer.

#[path = "../fuzz/src/lib.rs"]
mod target;

use std::path::Path;

#[test]
fn every_corpus_input_and_every_finding_still_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for dir in ["corpus/parse", "regressions/parse"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let Some(data) = read_input(&file) else {
                continue;
            };
            let outcome = std::panic::catch_unwind(|| target::parse(&data));
            assert!(outcome.is_ok(), "{} fails", file.display());
            replayed += 1;
        }
    }
    assert!(replayed >= 5, "the corpus is there ({replayed} inputs)");
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
