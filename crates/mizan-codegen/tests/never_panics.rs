//! The parser, the validator, the emitters and the diagnostics renderer
//! never panic, whatever the input: a bounded mutation fuzzer over the golden
//! IR files (truncations, byte flips, inserted tokens, deleted and duplicated
//! ranges). Deterministic: the same seeds every run. For open-ended fuzzing
//! see `fuzz/` (cargo-fuzz).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use mizan_codegen::{Ir, Style, Target, emit};

/// Cases per golden file.
const CASES: usize = 1_500;

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Fragments that steer mutations towards interesting syntax.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "\"",
    "#",
    ";",
    "=",
    "\n",
    "\r",
    "/*",
    "*/",
    "//",
    "/-",
    "(",
    ")",
    "\\",
    "-",
    "0x1",
    "1e999",
    "99999999999999999999",
    "#true",
    "#null",
    "#inf",
    "\"\"\"",
    "\\u{",
    "é",
    "\u{2028}",
    "ref \"Nope\"",
    "upload",
    "enum",
    "union { int }",
    "param \"x\" { int }",
    "member \"x\"",
    "context=\"x\"",
    "{{{{{{{{",
    "mizan-ir version=1\n",
    "\u{0}",
    "\t",
];

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = bytes.len();
        let at = rng.below(len + 1);
        match rng.below(6) {
            0 => bytes.truncate(at),
            1 if len > 0 => {
                let i = rng.below(len);
                bytes[i] ^= 1 << rng.below(8);
            }
            2 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                bytes.splice(at..at, t.bytes());
            }
            3 => {
                let end = (at + rng.below(32)).min(len);
                bytes.drain(at..end);
            }
            4 => {
                let end = (at + rng.below(64)).min(len);
                let copy = bytes[at..end].to_vec();
                let to = rng.below(len + 1);
                bytes.splice(to..to, copy);
            }
            _ => {
                let b = rng.next() as u8;
                bytes.insert(at, b);
            }
        }
    }
    bytes
}

/// Everything a user-facing run does with one input.
fn exercise(src: &str) {
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
            assert!(!e.0.is_empty(), "an error without diagnostics");
            for d in &e.0 {
                assert!(d.span.line >= 1 && d.span.column >= 1, "{d:?}");
                assert!(!d.node.is_empty());
            }
            let _ = e.render(src, "fuzz.kdl", Style { color: true });
        }
    }
}

#[test]
fn mutated_golden_files_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ir");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("tests/ir exists")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    // The conformance fixture's IR, as the Rust backend writes it.
    files.push(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/afi-fixture/golden/fixture.kdl"),
    );
    let mut total = 0;
    for (n, path) in files.iter().enumerate() {
        let base = std::fs::read(path).expect("readable");
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (n as u64 + 1));
        for _ in 0..CASES {
            let bytes = mutate(&mut rng, &base);
            let src = String::from_utf8_lossy(&bytes).into_owned();
            if catch_unwind(AssertUnwindSafe(|| exercise(&src))).is_err() {
                panic!("panicked on a mutation of {}:\n{src:?}", path.display());
            }
            total += 1;
        }
    }
    assert!(total >= 5 * CASES);
}

#[test]
fn hostile_inputs_never_panic() {
    let deep = "a {".repeat(100_000);
    let comments = "/*".repeat(100_000);
    let long_line = format!(
        "mizan-ir version=1\nfunction \"{}\" {{\n}}\n",
        "x".repeat(100_000)
    );
    for src in [
        "",
        "\u{feff}",
        "\u{feff}mizan-ir version=1",
        deep.as_str(),
        comments.as_str(),
        long_line.as_str(),
        "mizan-ir version=1\r\nfunction \"a\" {\r\n    output { int }\r\n}\r\n",
        "mizan-ir version=-9223372036854775808",
        "\"",
        "#",
        "\\",
        "a \"\\u{110000}\"",
        "a \"\\u{d800}\"",
        "a 1.",
        "a -",
        "a +1 -.5",
    ] {
        exercise(src);
    }
}
