//! The IR and the edge manifest depend on what is registered, never on the
//! order of registration, and match the golden files the project keeps
//! (../shared/spec/FIXTURE.md: "the project keeps both as golden files").

use std::path::PathBuf;

use mizan::builtin::mwt_obtain;
use mizan::channel::registered_channels;
use mizan::function::{FunctionDef, registered_functions};
use mizan::{Registry, RegistryBuilder};

const IR_HINT: &str =
    "run `cargo run -p afi-fixture -- --emit-ir > examples/afi-fixture/golden/fixture.kdl`";
const MANIFEST_HINT: &str =
    "run `cargo run -p afi-fixture -- --emit-manifest > examples/afi-fixture/golden/manifest.json`";

/// A deterministic shuffle (Fisher–Yates over a 64-bit LCG), so that a
/// failure reproduces.
fn shuffled(mut defs: Vec<FunctionDef>, seed: u64) -> Vec<FunctionDef> {
    let mut state = seed;
    for i in (1..defs.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = usize::try_from((state >> 33) % (i as u64 + 1)).expect("an index fits usize");
        defs.swap(i, j);
    }
    defs
}

fn names(defs: &[FunctionDef]) -> Vec<&str> {
    defs.iter().map(|d| d.name.as_str()).collect()
}

/// These functions and every declared channel.
fn with_all(defs: Vec<FunctionDef>) -> RegistryBuilder {
    let builder =
        registered_channels().fold(Registry::builder(), RegistryBuilder::channel_definition);
    defs.into_iter().fold(builder, RegistryBuilder::definition)
}

/// The fixture's declarations, with `mwt_obtain` in two different places.
fn two_orders() -> (Registry, Registry) {
    let first = shuffled(registered_functions().collect(), 0x5eed_0001);
    let mut second = shuffled(registered_functions().collect(), 0x5eed_0002);
    assert!(
        first.len() > 20,
        "the fixture's functions are linked in: {:?}",
        names(&first)
    );
    assert_ne!(
        names(&first),
        names(&second),
        "the two orders differ, or the test proves nothing"
    );
    second.insert(0, mwt_obtain());
    let a = with_all(first)
        .mwt_obtain()
        .build()
        .expect("the fixture registry builds");
    let b = with_all(second)
        .build()
        .expect("the fixture registry builds");
    (a, b)
}

fn golden(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "golden", name]
        .iter()
        .collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Compares `actual` to a golden file, naming the first differing line.
fn assert_matches_golden(actual: &str, file: &str, hint: &str) {
    let expected = golden(file);
    if actual == expected {
        return;
    }
    let line = actual
        .lines()
        .zip(expected.lines())
        .position(|(a, e)| a != e)
        .map_or_else(
            || "the texts differ in length or line endings".to_owned(),
            |i| {
                format!(
                    "line {}:\n  golden: {}\n  now:    {}",
                    i + 1,
                    expected.lines().nth(i).unwrap_or_default(),
                    actual.lines().nth(i).unwrap_or_default()
                )
            },
        );
    panic!("golden/{file} is out of date ({line})\nIf the change is intended, {hint}");
}

#[test]
fn ir_is_independent_of_registration_order() {
    let (a, b) = two_orders();
    assert_eq!(a.build_ir(), b.build_ir());
}

#[test]
fn manifest_is_independent_of_registration_order() {
    let (a, b) = two_orders();
    assert_eq!(a.manifest_text("/api/mizan"), b.manifest_text("/api/mizan"));
}

#[test]
fn ir_matches_the_golden_file() {
    let registry = afi_fixture::registry().expect("the fixture registry builds");
    assert_matches_golden(&registry.build_ir(), "fixture.kdl", IR_HINT);
    let (shuffled, _) = two_orders();
    assert_matches_golden(&shuffled.build_ir(), "fixture.kdl", IR_HINT);
}

#[test]
fn manifest_matches_the_golden_file() {
    let registry = afi_fixture::registry().expect("the fixture registry builds");
    assert_matches_golden(
        &registry.manifest_text("/api/mizan"),
        "manifest.json",
        MANIFEST_HINT,
    );
    let (_, shuffled) = two_orders();
    assert_matches_golden(
        &shuffled.manifest_text("/api/mizan"),
        "manifest.json",
        MANIFEST_HINT,
    );
}
