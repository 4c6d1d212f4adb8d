//! `mizan.toml`: where the IR comes from and which files to generate.
//!
//! ```toml
//! [ir]
//! file = "mizan.kdl"
//!
//! [[target]]
//! kind = "ts"
//! out = "src/mizan/client.ts"
//!
//! [[target]]
//! kind = "react"
//! out = "src/mizan/react.tsx"
//! client = "./client"
//!
//! [[target]]
//! kind = "svelte"          # a directory: index.ts + one .svelte per component
//! out = "src/mizan/svelte"
//! ```
//!
//! Every path is relative to the directory of the config file.

use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

use crate::emit::{DIR_INDEX, Target};

/// A loaded, checked `mizan.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The directory of the config file; relative paths start there, and
    /// IR commands run there.
    pub dir: PathBuf,
    /// Where the IR comes from.
    pub source: IrSource,
    /// The files to generate.
    pub targets: Vec<TargetConfig>,
}

/// Where the IR comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IrSource {
    /// A `.kdl` file.
    File(PathBuf),
    /// A command that prints the IR on stdout (program, then arguments).
    Command(Vec<String>),
    /// A binary of the cargo project, run as `cargo run -q --bin <name> -- <args>`.
    CargoBin {
        /// The binary's name.
        name: String,
        /// Its arguments (usually `--emit-ir`).
        args: Vec<String>,
    },
}

impl IrSource {
    /// The command line that produces the IR, for sources that run one.
    pub fn command_line(&self) -> Option<Vec<String>> {
        match self {
            IrSource::File(_) => None,
            IrSource::Command(argv) => Some(argv.clone()),
            IrSource::CargoBin { name, args } => {
                let mut argv: Vec<String> = ["cargo", "run", "-q", "--bin", name.as_str(), "--"]
                    .into_iter()
                    .map(String::from)
                    .collect();
                argv.extend(args.iter().cloned());
                Some(argv)
            }
        }
    }
}

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetConfig {
    /// What to generate.
    pub target: Target,
    /// Where to write it.
    pub out: PathBuf,
}

/// An invalid config file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The config file.
    pub path: PathBuf,
    /// What is wrong (TOML errors include the line and column).
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message.trim_end())
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    ir: RawIr,
    #[serde(default)]
    target: Vec<RawTarget>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIr {
    file: Option<String>,
    command: Option<Vec<String>>,
    cargo_bin: Option<String>,
    args: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    kind: String,
    out: String,
    client: Option<String>,
}

impl Config {
    /// Reads and checks the config file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            message: format!("cannot read the config file: {e}"),
        })?;
        // `mizan.toml` in the working directory: paths stay short (`src/...`).
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Config::parse(&text, dir).map_err(|message| ConfigError {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Checks the text of a config file whose directory is `dir`.
    pub fn parse(text: &str, dir: PathBuf) -> Result<Config, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        let source = match (raw.ir.file, raw.ir.command, raw.ir.cargo_bin, raw.ir.args) {
            (Some(file), None, None, None) => IrSource::File(dir.join(file)),
            (None, Some(command), None, None) => {
                if command.is_empty() {
                    return Err("`ir.command` is empty: give the program and its arguments".into());
                }
                IrSource::Command(command)
            }
            (None, None, Some(name), args) => IrSource::CargoBin {
                name,
                args: args.unwrap_or_default(),
            },
            (None, None, None, Some(_)) => {
                return Err("`ir.args` is only for `ir.cargo_bin`".into());
            }
            (None, None, None, None) => {
                return Err("`[ir]` needs one of `file`, `command` or `cargo_bin`".into());
            }
            _ => {
                return Err(
                    "`[ir]` takes exactly one of `file`, `command` or `cargo_bin` (with `args`)"
                        .into(),
                );
            }
        };
        if raw.target.is_empty() {
            return Err("no `[[target]]`: nothing to generate".into());
        }
        let ts_outs: Vec<&str> = raw
            .target
            .iter()
            .filter(|t| t.kind == "ts")
            .map(|t| t.out.as_str())
            .collect();
        let mut targets = Vec::new();
        for (i, t) in raw.target.iter().enumerate() {
            let framework = |make: fn(String) -> Target| -> Result<Target, String> {
                let client = match (&t.client, ts_outs.as_slice()) {
                    (Some(client), _) => client.clone(),
                    (None, [ts]) => {
                        let probe = make(String::new());
                        // A directory target imports the ts file from a file inside it.
                        let from = if probe.is_dir() {
                            Path::new(&t.out).join(DIR_INDEX)
                        } else {
                            Path::new(&t.out).to_path_buf()
                        };
                        import_path(&from, Path::new(ts))
                    }
                    (None, _) => {
                        return Err(format!(
                            "target {}: set `client`, the import path of the ts target's file (there is not exactly one ts target to infer it from)",
                            i + 1
                        ));
                    }
                };
                Ok(make(client))
            };
            let target = match t.kind.as_str() {
                "ts" if t.client.is_some() => {
                    return Err(format!(
                        "target {}: `client` is only for the react, vue and svelte targets",
                        i + 1
                    ));
                }
                "ts" => Target::Ts,
                "react" => framework(|client| Target::React { client })?,
                "vue" => framework(|client| Target::Vue { client })?,
                "svelte" => framework(|client| Target::Svelte { client })?,
                other => {
                    return Err(format!(
                        "target {}: unknown kind \"{other}\"; this generator has \"ts\", \"react\", \"vue\" and \"svelte\"",
                        i + 1
                    ));
                }
            };
            let out = dir.join(&t.out);
            if targets.iter().any(|c: &TargetConfig| c.out == out) {
                return Err(format!(
                    "target {}: `{}` is the output of another target too",
                    i + 1,
                    t.out
                ));
            }
            targets.push(TargetConfig { target, out });
        }
        Ok(Config {
            dir,
            source,
            targets,
        })
    }
}

/// The relative import path from the file `from` to the TypeScript file
/// `to`, without its extension: `src/mizan/react.tsx` → `src/mizan/client.ts`
/// gives `./client`.
pub fn import_path(from: &Path, to: &Path) -> String {
    let normal = |p: &Path| -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
                Component::ParentDir => parts.push("..".into()),
                _ => {}
            }
        }
        parts
    };
    let from_dir = {
        let mut f = normal(from);
        f.pop();
        f
    };
    let mut to = normal(to);
    if let Some(last) = to.last_mut() {
        for ext in [".tsx", ".ts"] {
            if let Some(stem) = last.strip_suffix(ext) {
                *last = stem.to_string();
                break;
            }
        }
    }
    let common = from_dir.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from_dir.len() - common];
    parts.extend(to[common..].iter().cloned());
    let joined = parts.join("/");
    if joined.starts_with("..") {
        joined
    } else {
        format!("./{joined}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, PathBuf::from("app"))
    }

    #[test]
    fn reads_the_documented_example() {
        let c = parse(
            "[ir]\nfile = \"mizan.kdl\"\n\
             [[target]]\nkind = \"ts\"\nout = \"src/mizan/client.ts\"\n\
             [[target]]\nkind = \"react\"\nout = \"src/mizan/react.tsx\"\nclient = \"./client\"\n",
        )
        .expect("valid");
        assert_eq!(c.source, IrSource::File(PathBuf::from("app/mizan.kdl")));
        assert_eq!(c.targets[0].out, PathBuf::from("app/src/mizan/client.ts"));
        assert_eq!(
            c.targets[1].target,
            Target::React {
                client: "./client".into()
            }
        );
    }

    #[test]
    fn sources() {
        let c = parse("[ir]\ncargo_bin = \"afi-fixture\"\nargs = [\"--emit-ir\"]\n[[target]]\nkind = \"ts\"\nout = \"c.ts\"\n")
            .expect("valid");
        assert_eq!(
            c.source.command_line().expect("a command").join(" "),
            "cargo run -q --bin afi-fixture -- --emit-ir"
        );
        let c = parse(
            "[ir]\ncommand = [\"app\", \"--emit-ir\"]\n[[target]]\nkind = \"ts\"\nout = \"c.ts\"\n",
        )
        .expect("valid");
        assert_eq!(
            c.source,
            IrSource::Command(vec!["app".into(), "--emit-ir".into()])
        );
    }

    #[test]
    fn errors_say_what_to_do() {
        let t = "\n[[target]]\nkind = \"ts\"\nout = \"c.ts\"\n";
        assert!(
            parse(&format!("[ir]{t}"))
                .expect_err("invalid")
                .contains("needs one of")
        );
        assert!(
            parse(&format!("[ir]\nfile = \"a\"\ncommand = [\"b\"]{t}"))
                .expect_err("invalid")
                .contains("exactly one")
        );
        assert!(
            parse(&format!("[ir]\nfile = \"a\"\nfiel = 1{t}"))
                .expect_err("invalid")
                .contains("unknown field")
        );
        assert!(
            parse("[ir]\nfile = \"a\"\n")
                .expect_err("invalid")
                .contains("nothing to generate")
        );
        assert!(
            parse("[ir]\nfile = \"a\"\n[[target]]\nkind = \"solid\"\nout = \"x\"\n")
                .expect_err("invalid")
                .contains("unknown kind")
        );
        assert!(
            parse("[ir]\nfile = \"a\"\n[[target]]\nkind = \"react\"\nout = \"x\"\n")
                .expect_err("invalid")
                .contains("set `client`")
        );
    }

    #[test]
    fn infers_the_client_import() {
        let c = parse("[ir]\nfile = \"a\"\n[[target]]\nkind = \"ts\"\nout = \"src/api/client.ts\"\n[[target]]\nkind = \"react\"\nout = \"src/hooks/mizan.tsx\"\n")
            .expect("valid");
        assert_eq!(
            c.targets[1].target,
            Target::React {
                client: "../api/client".into()
            }
        );
        assert_eq!(
            import_path(Path::new("react.tsx"), Path::new("client.ts")),
            "./client"
        );
        let c = parse("[ir]\nfile = \"a\"\n[[target]]\nkind = \"ts\"\nout = \"src/mizan/client.ts\"\n[[target]]\nkind = \"svelte\"\nout = \"src/mizan/svelte\"\n[[target]]\nkind = \"vue\"\nout = \"src/mizan/vue.ts\"\n")
            .expect("valid");
        assert_eq!(
            c.targets[1].target,
            Target::Svelte {
                client: "../client".into()
            }
        );
        assert_eq!(
            c.targets[2].target,
            Target::Vue {
                client: "./client".into()
            }
        );
        assert_eq!(
            import_path(Path::new("a/react.tsx"), Path::new("a/b/client.ts")),
            "./b/client"
        );
    }
}
