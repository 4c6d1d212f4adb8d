//! The pipeline behind `mizan-generate`: load the IR, emit every target,
//! then write the files or compare them with what is on disk.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use crate::config::{Config, ConfigError, IrSource, TargetConfig};
use crate::diagnostic::{Diagnostics, Style};
use crate::emit::{Emitted, emit};
use crate::ir::Ir;

/// Why a run failed.
#[derive(Debug)]
pub enum Error {
    /// The config file is invalid.
    Config(ConfigError),
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        source: io::Error,
    },
    /// The command that prints the IR failed.
    Command {
        /// The command line.
        command: String,
        /// What happened.
        message: String,
    },
    /// The IR is invalid, or a target cannot be generated from it.
    Ir {
        /// Where the IR came from (a path or a command line).
        origin: String,
        /// The IR text, for the diagnostics' source lines.
        text: String,
        /// What is wrong.
        diagnostics: Diagnostics,
    },
}

impl Error {
    /// The error as a user should read it: IR errors with their source
    /// lines and carets.
    pub fn render(&self, style: Style) -> String {
        match self {
            Error::Ir {
                origin,
                text,
                diagnostics,
            } => diagnostics.render(text, origin, style),
            other => {
                let (red, bold, reset) = if style.color {
                    ("\x1b[1;31m", "\x1b[1m", "\x1b[0m")
                } else {
                    ("", "", "")
                };
                format!("{red}error{reset}{bold}: {other}{reset}\n")
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(e) => write!(f, "{e}"),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Command { command, message } => write!(f, "`{command}`: {message}"),
            Error::Ir {
                origin,
                diagnostics,
                ..
            } => write!(f, "{origin}: {diagnostics}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

/// The text of one generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// Where it belongs.
    pub path: PathBuf,
    /// What it should contain.
    pub contents: String,
    /// The directory it belongs to when its target writes one (`svelte`):
    /// the generator owns that directory, so a generated file there that no
    /// output names any more is removed (or, with `--check`, reported).
    pub dir: Option<PathBuf>,
}

/// The IR text and where it came from.
#[derive(Clone, Debug)]
pub struct IrText {
    /// A path or a command line, for messages.
    pub origin: String,
    /// The IR.
    pub text: String,
}

/// Reads the IR: the file, or the stdout of the command (run in `dir`).
pub fn load_ir(source: &IrSource, dir: &Path) -> Result<IrText, Error> {
    let argv = match source {
        IrSource::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
                path: path.clone(),
                source: e,
            })?;
            return Ok(IrText {
                origin: path.display().to_string(),
                text,
            });
        }
        other => other.command_line().unwrap_or_default(),
    };
    let command = argv.join(" ");
    let Some((program, args)) = argv.split_first() else {
        return Err(Error::Command {
            command,
            message: "empty command".into(),
        });
    };
    // stderr is the user's terminal: cargo's progress and the app's errors show.
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Error::Command {
            command: command.clone(),
            message: format!("cannot run it: {e}"),
        })?;
    if !out.status.success() {
        return Err(Error::Command {
            command,
            message: format!("it failed ({})", out.status),
        });
    }
    let text = String::from_utf8(out.stdout).map_err(|_| Error::Command {
        command: command.clone(),
        message: "its output is not UTF-8".into(),
    })?;
    Ok(IrText {
        origin: format!("`{command}`"),
        text,
    })
}

/// Parses the IR and generates every target's file.
pub fn generate(ir: &IrText, targets: &[TargetConfig]) -> Result<Vec<Output>, Error> {
    let ir_error = |diagnostics| Error::Ir {
        origin: ir.origin.clone(),
        text: ir.text.clone(),
        diagnostics,
    };
    let model = Ir::parse(&ir.text).map_err(ir_error)?;
    let mut outputs = Vec::new();
    for t in targets {
        match emit(&model, &t.target).map_err(ir_error)? {
            Emitted::File(contents) => outputs.push(Output {
                path: t.out.clone(),
                contents,
                dir: None,
            }),
            Emitted::Dir(files) => {
                outputs.extend(files.into_iter().map(|(name, contents)| Output {
                    path: t.out.join(name),
                    contents,
                    dir: Some(t.out.clone()),
                }))
            }
        }
    }
    Ok(outputs)
}

/// Generated files (they carry the do-not-edit header) in the directories
/// the generator owns that no output names: left over from what the IR no
/// longer has, such as the component of a removed context.
pub fn strays(outputs: &[Output]) -> Vec<PathBuf> {
    let mut dirs: Vec<&PathBuf> = outputs.iter().filter_map(|o| o.dir.as_ref()).collect();
    dirs.sort();
    dirs.dedup();
    let mut found = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            if outputs.iter().all(|o| o.path != path)
                && std::fs::read_to_string(&path).is_ok_and(|text| is_generated(&text))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Whether a file's first lines carry the generator's do-not-edit header.
fn is_generated(text: &str) -> bool {
    text.lines()
        .take(3)
        .any(|l| l.contains("Generated by mizan-generate from the Mizan IR. Do not edit"))
}

/// Loads the IR of `config` and generates its targets.
pub fn run(config: &Config) -> Result<Vec<Output>, Error> {
    let ir = load_ir(&config.source, &config.dir)?;
    generate(&ir, &config.targets)
}

/// What [`write()`] did to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// The file already had these contents; it was not touched (so that
    /// watchers and build tools see no change).
    Unchanged,
    /// The file was created or replaced.
    Updated,
    /// A generated file the IR no longer calls for was deleted (see [`strays`]).
    Removed,
}

/// Writes the outputs whose files differ, creating directories as needed,
/// and deletes the [`strays`].
pub fn write(outputs: &[Output]) -> Result<Vec<(PathBuf, Written)>, Error> {
    let mut done = Vec::new();
    for path in strays(outputs) {
        std::fs::remove_file(&path).map_err(|e| Error::Io {
            path: path.clone(),
            source: e,
        })?;
        done.push((path, Written::Removed));
    }
    for o in outputs {
        if std::fs::read_to_string(&o.path).is_ok_and(|old| old == o.contents) {
            done.push((o.path.clone(), Written::Unchanged));
            continue;
        }
        let io_error = |e| Error::Io {
            path: o.path.clone(),
            source: e,
        };
        if let Some(dir) = o.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io_error)?;
        }
        std::fs::write(&o.path, &o.contents).map_err(io_error)?;
        done.push((o.path.clone(), Written::Updated));
    }
    Ok(done)
}

/// A file that `--check` finds out of date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stale {
    /// The file does not exist.
    Missing(PathBuf),
    /// The file differs from what would be generated.
    Differs(PathBuf),
    /// A generated file the IR no longer calls for (see [`strays`]).
    Extra(PathBuf),
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stale::Missing(p) => write!(f, "missing: {}", p.display()),
            Stale::Differs(p) => write!(f, "stale:   {}", p.display()),
            Stale::Extra(p) => write!(f, "extra:   {}", p.display()),
        }
    }
}

/// Compares the outputs with the files on disk; writes nothing.
pub fn check(outputs: &[Output]) -> Vec<Stale> {
    let mut stale: Vec<Stale> = outputs
        .iter()
        .filter_map(|o| match std::fs::read(&o.path) {
            Err(_) => Some(Stale::Missing(o.path.clone())),
            Ok(bytes) if bytes != o.contents.as_bytes() => Some(Stale::Differs(o.path.clone())),
            Ok(_) => None,
        })
        .collect();
    stale.extend(strays(outputs).into_iter().map(Stale::Extra));
    stale
}

/// The files whose changes should trigger a regeneration in `--watch` mode:
/// the config file, and the IR file, or for a command source every file
/// under `<config dir>/src`.
pub fn watched_roots(config: &Config, config_path: Option<&Path>) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = config_path.into_iter().map(Path::to_path_buf).collect();
    match &config.source {
        IrSource::File(path) => roots.push(path.clone()),
        IrSource::Command(_) | IrSource::CargoBin { .. } => roots.push(config.dir.join("src")),
    }
    roots
}

/// A summary of the modification times and sizes of every file under
/// `roots`; a change in any file changes it. Missing roots count as empty.
pub fn fingerprint(roots: &[PathBuf]) -> Vec<(PathBuf, Option<SystemTime>, u64)> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = roots.to_vec();
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                stack.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
            }
        } else {
            out.push((path, meta.modified().ok(), meta.len()));
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_reports_missing_and_stale_files_and_writes_nothing() {
        let dir = std::env::temp_dir().join(format!("mizan-codegen-check-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let outputs = vec![
            Output {
                path: dir.join("a/client.ts"),
                contents: "new\n".into(),
                dir: None,
            },
            Output {
                path: dir.join("b.ts"),
                contents: "same\n".into(),
                dir: None,
            },
        ];
        assert_eq!(check(&outputs).len(), 2);
        assert!(!dir.join("a").exists());
        let done = write(&outputs).expect("writes");
        assert!(done.iter().all(|(_, w)| *w == Written::Updated));
        assert_eq!(check(&outputs), vec![]);
        std::fs::write(dir.join("a/client.ts"), "old\n").expect("writes");
        assert_eq!(
            check(&outputs),
            vec![Stale::Differs(dir.join("a/client.ts"))]
        );
        let done = write(&outputs).expect("writes");
        assert_eq!(done[1].1, Written::Unchanged);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn generated_files_left_in_an_owned_directory_are_reported_then_removed() {
        let dir = std::env::temp_dir().join(format!("mizan-codegen-strays-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let header = "// Generated by mizan-generate from the Mizan IR. Do not edit this file:\n";
        let outputs = vec![Output {
            path: dir.join("index.ts"),
            contents: format!("{header}export {{}};\n"),
            dir: Some(dir.clone()),
        }];
        std::fs::write(
            dir.join("OldContext.svelte"),
            format!("<!--\n  {}-->\n", &header[3..]),
        )
        .expect("write");
        std::fs::write(dir.join("notes.md"), "mine\n").expect("write");
        assert_eq!(
            check(&outputs),
            vec![
                Stale::Missing(dir.join("index.ts")),
                Stale::Extra(dir.join("OldContext.svelte"))
            ]
        );
        let done = write(&outputs).expect("writes");
        assert_eq!(done[0], (dir.join("OldContext.svelte"), Written::Removed));
        assert_eq!(check(&outputs), vec![]);
        assert!(
            dir.join("notes.md").exists(),
            "a file the generator did not write stays"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
