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
            let data = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let outcome = std::panic::catch_unwind(|| target::parse(&data));
            assert!(outcome.is_ok(), "{} fails", file.display());
            replayed += 1;
        }
    }
    assert!(replayed >= 5, "the corpus is there ({replayed} inputs)");
}
