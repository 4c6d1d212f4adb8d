//! One snapshot per (IR fixture, target), as progenitor does: the snapshot
//! is the generated file itself, stored once, and the same file is
//! type-checked by each framework's own checker in strict mode
//! (`tests/output/package.json`: `tsc`, `vue-tsc`, `svelte-check`).
//!
//! The fixtures are `tests/ir/<name>.kdl`, whose outputs live in
//! `tests/output/<name>/`, and the conformance fixture's golden IR, whose
//! outputs are the client of its test page (`examples/afi-fixture/web/src/mizan/`),
//! run in a real browser by `tests/browser`.
//!
//! `UPDATE_SNAPSHOTS=1 cargo test -p mizan-codegen` rewrites them; read the diff.

use std::path::{Path, PathBuf};

use mizan_codegen::config::TargetConfig;
use mizan_codegen::generate::{self, IrText};
use mizan_codegen::{Ir, Target, emit};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The IR of a fixture and the directory its outputs live in.
fn fixture(name: &str) -> (PathBuf, PathBuf) {
    if name == "fixture" {
        (
            root().join("../../examples/afi-fixture/golden/fixture.kdl"),
            root().join("../../examples/afi-fixture/web/src/mizan"),
        )
    } else {
        (
            root().join("tests/ir").join(format!("{name}.kdl")),
            root().join("tests/output").join(name),
        )
    }
}

/// Every target, with the file (or directory) it is stored in.
fn targets(dir: &Path) -> Vec<TargetConfig> {
    let client = || "./client".to_string();
    [
        (Target::Ts, "client.ts"),
        (Target::React { client: client() }, "react.tsx"),
        (Target::Vue { client: client() }, "vue.ts"),
        (
            Target::Svelte {
                client: "../client".into(),
            },
            "svelte",
        ),
    ]
    .into_iter()
    .map(|(target, out)| TargetConfig {
        target,
        out: dir.join(out),
    })
    .collect()
}

/// Compares one target's output for one fixture with its stored snapshot,
/// or rewrites the snapshot under `UPDATE_SNAPSHOTS=1`.
fn snapshot(name: &str, kind: &str) {
    let (ir, dir) = fixture(name);
    let text = std::fs::read_to_string(&ir).expect("the fixture's IR exists");
    let ir = IrText {
        origin: ir.display().to_string(),
        text,
    };
    let target: Vec<_> = targets(&dir)
        .into_iter()
        .filter(|t| t.target.kind() == kind)
        .collect();
    let outputs = match generate::generate(&ir, &target) {
        Ok(outputs) => outputs,
        Err(e) => panic!("{}", e.render(mizan_codegen::Style::PLAIN)),
    };
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        generate::write(&outputs).expect("writes the snapshots");
        return;
    }
    let stale = generate::check(&outputs);
    assert!(
        stale.is_empty(),
        "the {kind} output of {name} is not its snapshot (run `UPDATE_SNAPSHOTS=1 cargo test -p mizan-codegen` and read the diff):\n{}",
        stale
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

macro_rules! snapshots {
    ($($kind:ident: [$($fixture:ident),*]),* $(,)?) => {
        $(
            mod $kind {
                $(
                    #[test]
                    fn $fixture() {
                        super::snapshot(stringify!($fixture), stringify!($kind));
                    }
                )*
            }
        )*
    };
}

snapshots! {
    ts: [minimal, types, contexts, mutations, channels, fixture],
    react: [minimal, types, contexts, mutations, channels, fixture],
    vue: [minimal, types, contexts, mutations, channels, fixture],
    svelte: [minimal, types, contexts, mutations, channels, fixture],
}

const FIXTURES: &[&str] = &[
    "minimal",
    "types",
    "contexts",
    "mutations",
    "channels",
    "fixture",
];

/// `tests/output/` holds one directory per fixture of `tests/ir/` (the
/// conformance fixture's outputs live with its test page), so that no
/// snapshot outlives its fixture.
#[test]
fn every_fixture_has_its_outputs_and_nothing_else() {
    let mut dirs: Vec<String> = std::fs::read_dir(root().join("tests/output"))
        .expect("tests/output exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir() && e.file_name() != "node_modules")
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut irs: Vec<String> = std::fs::read_dir(root().join("tests/ir"))
        .expect("tests/ir exists")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_string_lossy()
                .strip_suffix(".kdl")
                .map(str::to_string)
        })
        .collect();
    irs.sort();
    assert_eq!(dirs, irs);
    for name in &irs {
        assert!(
            FIXTURES.contains(&name.as_str()),
            "{name}.kdl has no snapshot tests"
        );
    }
}

#[test]
fn output_is_deterministic_and_headed() {
    for name in FIXTURES {
        let (ir, dir) = fixture(name);
        let ir = Ir::parse(&std::fs::read_to_string(ir).expect("exists")).expect("valid");
        for t in targets(&dir) {
            let a = emit(&ir, &t.target).expect("emits");
            assert_eq!(a, emit(&ir, &t.target).expect("emits"));
            for (file, text) in a.files() {
                let first = if file.ends_with(".svelte") {
                    "<!--\n  Generated by mizan-generate from the Mizan IR. Do not edit"
                } else {
                    "// Generated by mizan-generate from the Mizan IR. Do not edit"
                };
                assert!(text.starts_with(first), "{name} {file}");
                assert!(
                    text.ends_with('\n') && !text.ends_with("\n\n"),
                    "{name} {file}: one final newline"
                );
            }
        }
    }
}

/// The IR's order does not matter: the canonical sort is re-applied.
#[test]
fn source_order_does_not_change_the_output() {
    let a = "mizan-ir version=1\nfunction \"b\" {\n    output { int }\n}\nfunction \"a\" {\n    output { int }\n}\n";
    let b = "mizan-ir version=1\nfunction \"a\" {\n    output { int }\n}\nfunction \"b\" {\n    output { int }\n}\n";
    let out = |s: &str| emit(&Ir::parse(s).expect("valid"), &Target::Ts).expect("emits");
    assert_eq!(out(a), out(b));
}
