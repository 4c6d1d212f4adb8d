//! `mizan-generate` as a user runs it: a config in a fresh directory, the
//! files it writes, `--check` and its exit codes, IR errors on stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mizan-generate"));
    c.env("NO_COLOR", "1");
    c
}

/// A fresh directory with the conformance fixture's IR and a config
/// generating the ts, react and svelte targets.
fn project(name: &str, ir_section: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mizan-generate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/afi-fixture/golden/fixture.kdl");
    std::fs::copy(fixture, dir.join("mizan.kdl")).expect("copy");
    std::fs::write(
        dir.join("mizan.toml"),
        format!(
            "{ir_section}\n\n[[target]]\nkind = \"ts\"\nout = \"src/mizan/client.ts\"\n\n\
             [[target]]\nkind = \"react\"\nout = \"src/mizan/react.tsx\"\nclient = \"./client\"\n\n\
             [[target]]\nkind = \"svelte\"\nout = \"src/mizan/svelte\"\n"
        ),
    )
    .expect("write config");
    dir
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

#[test]
fn generates_then_checks() {
    let dir = project("check", "[ir]\nfile = \"mizan.kdl\"");
    let config = dir.join("mizan.toml");

    let (code, _, err) = run(bin().arg("--check").arg("--config").arg(&config));
    assert_eq!(code, 1, "missing files are stale: {err}");
    assert!(
        err.contains("missing:") && err.contains("client.ts") && err.contains("react.tsx"),
        "{err}"
    );
    assert!(!dir.join("src").exists(), "--check writes nothing");

    let (code, out, err) = run(bin().arg("--config").arg(&config));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("wrote"), "{out}");
    let client = std::fs::read_to_string(dir.join("src/mizan/client.ts")).expect("written");
    assert!(client.contains("    callAdd(args: AddArgs): Promise<SumOutput> {"));
    let react = std::fs::read_to_string(dir.join("src/mizan/react.tsx")).expect("written");
    assert!(react.contains("from './client';"));

    let svelte = std::fs::read_to_string(dir.join("src/mizan/svelte/index.ts")).expect("written");
    assert!(svelte.contains("from '../client';"), "{svelte}");
    assert!(dir.join("src/mizan/svelte/UserContext.svelte").exists());

    // ts, react, and the svelte directory: index.ts, the root, 7 contexts.
    let (code, out, _) = run(bin().arg("--check").arg("--config").arg(&config));
    assert_eq!(code, 0);
    assert!(out.contains("11 generated file(s) up to date"), "{out}");

    // A generated component whose context is gone is reported, then removed.
    let stray = dir.join("src/mizan/svelte/GoneContext.svelte");
    std::fs::copy(dir.join("src/mizan/svelte/UserContext.svelte"), &stray).expect("copy");
    let (code, _, err) = run(bin().arg("--check").arg("--config").arg(&config));
    assert_eq!(code, 1);
    assert!(
        err.contains("extra:") && err.contains("GoneContext.svelte"),
        "{err}"
    );
    let (code, out, _) = run(bin().arg("--config").arg(&config));
    assert_eq!(code, 0);
    assert!(out.contains("removed") && !stray.exists(), "{out}");

    std::fs::write(dir.join("src/mizan/client.ts"), "// edited by hand\n").expect("write");
    let (code, _, err) = run(bin().arg("--check").arg("--config").arg(&config));
    assert_eq!(code, 1);
    assert!(err.contains("stale:") && err.contains("client.ts"), "{err}");
    assert!(!err.contains("react.tsx"), "{err}");

    let (code, out, _) = run(bin().arg("--config").arg(&config));
    assert_eq!(code, 0);
    assert!(
        out.contains("unchanged") && out.contains("react.tsx"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reads_the_ir_from_a_command() {
    let dir = project("command", "[ir]\ncommand = [\"cat\", \"mizan.kdl\"]");
    let (code, _, err) = run(bin().current_dir(&dir));
    assert_eq!(code, 0, "{err}");
    assert!(dir.join("src/mizan/client.ts").exists());

    let dir = project("command-fails", "[ir]\ncommand = [\"false\"]");
    let (code, _, err) = run(bin().current_dir(&dir));
    assert_eq!(code, 2);
    assert!(err.contains("`false`: it failed"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ir_errors_name_line_column_and_node() {
    let dir = project("bad-ir", "[ir]\nfile = \"mizan.kdl\"");
    std::fs::write(
        dir.join("mizan.kdl"),
        "mizan-ir version=1\nfunction \"echo\" {\n    output { ref \"Nope\" }\n}\n",
    )
    .expect("write");
    let (code, _, err) = run(bin().current_dir(&dir));
    assert_eq!(code, 2);
    assert!(
        err.contains("reference to undeclared type \"Nope\" (in `ref`)"),
        "{err}"
    );
    assert!(err.contains("mizan.kdl:3:14"), "{err}");
    assert!(err.contains("    output { ref \"Nope\" }"), "{err}");
    assert!(!err.contains("\x1b["), "NO_COLOR and a pipe: no colours");
    assert!(!dir.join("src").exists(), "nothing written on error");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_configs_and_usage_exit_2() {
    let dir = project("bad-config", "[ir]\nfiel = \"mizan.kdl\"");
    let (code, _, err) = run(bin().current_dir(&dir));
    assert_eq!(code, 2);
    assert!(
        err.contains("mizan.toml") && err.contains("unknown field `fiel`"),
        "{err}"
    );

    let (code, _, err) = run(bin().arg("--frobnicate"));
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown argument `--frobnicate`") && err.contains("usage:"),
        "{err}"
    );

    let (code, _, err) = run(bin()
        .current_dir(std::env::temp_dir())
        .arg("--config=/nonexistent/mizan.toml"));
    assert_eq!(code, 2);
    assert!(err.contains("cannot read the config file"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_off_writes_to_stdout_or_a_file() {
    let ir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ir/minimal.kdl");
    let (code, out, err) = run(bin().arg("--ir").arg(&ir).args(["--target", "ts"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("    callPing(): Promise<string> {"), "{out}");

    let dir = project("one-off", "[ir]\nfile = \"mizan.kdl\"");
    let out_path = dir.join("react.tsx");
    let (code, _, err) = run(bin()
        .arg("--ir")
        .arg(&ir)
        .args(["--target", "react", "--client", "./api"])
        .arg("--out")
        .arg(&out_path));
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::read_to_string(&out_path)
            .expect("written")
            .contains("MizanProvider")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
