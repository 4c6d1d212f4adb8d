//! The command line of `mizan-generate`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{Config, IrSource, TargetConfig};
use crate::diagnostic::Style;
use crate::emit::Target;
use crate::generate::{self, Error, Output, Written};

/// Everything went well; with `--check`, every file is up to date.
pub const EXIT_OK: i32 = 0;
/// `--check` found files that are missing or out of date.
pub const EXIT_STALE: i32 = 1;
/// Bad usage, a bad config, a bad IR, or an I/O error.
pub const EXIT_ERROR: i32 = 2;

const USAGE: &str = "\
mizan-generate: writes typed clients from the Mizan IR

usage:
  mizan-generate [--config PATH] [--check] [--watch]
  mizan-generate --ir FILE --target ts|react|vue|svelte [--client IMPORT] [--out PATH] [--check]

options:
  --config PATH    the config file (default: mizan.toml)
  --check          write nothing; exit 1 when a generated file is missing or stale
  --watch          regenerate whenever the IR (or the app's src/) changes
  --ir FILE        one-off: read this IR file instead of a config
  --target KIND    one-off: ts, react, vue or svelte
  --client IMPORT  one-off react, vue, svelte: import path of the ts file
                   (default: ./client; ../client for svelte, a directory)
  --out PATH       one-off: write here (default: stdout; svelte needs a directory)
  -h, --help       this text

exit codes: 0 ok, 1 stale files (--check), 2 errors
";

#[derive(Debug, Default)]
struct Args {
    config: Option<PathBuf>,
    check: bool,
    watch: bool,
    ir: Option<PathBuf>,
    target: Option<String>,
    client: Option<String>,
    out: Option<PathBuf>,
    help: bool,
}

fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Args, String> {
    let mut parsed = Args::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|a| format!("argument {a:?} is not UTF-8"))?;
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg, None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => args
                    .next()
                    .and_then(|v| v.into_string().ok())
                    .ok_or_else(|| format!("`{name}` needs a value")),
            }
        };
        match flag.as_str() {
            "--config" => parsed.config = Some(value("--config")?.into()),
            "--ir" => parsed.ir = Some(value("--ir")?.into()),
            "--target" => parsed.target = Some(value("--target")?),
            "--client" => parsed.client = Some(value("--client")?),
            "--out" => parsed.out = Some(value("--out")?.into()),
            "--check" => parsed.check = true,
            "--watch" => parsed.watch = true,
            "-h" | "--help" => parsed.help = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(parsed)
}

/// Runs `mizan-generate` with `args` (without the program name) and returns
/// the process exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> i32 {
    let style = Style::for_stderr();
    let args = match parse_args(args) {
        Ok(a) => a,
        Err(message) => return usage_error(&message, style),
    };
    if args.help {
        print!("{USAGE}");
        return EXIT_OK;
    }
    let plan = match plan(&args) {
        Ok(p) => p,
        Err(message) => return usage_error(&message, style),
    };
    if args.watch {
        return watch(&plan, style);
    }
    match once(&plan, args.check) {
        Ok(code) => code,
        Err(e) => {
            eprint!("{}", e.render(style));
            EXIT_ERROR
        }
    }
}

/// What to do: from a config file, or from one-off flags.
enum Plan {
    Config(PathBuf),
    OneOff(Config, bool),
}

fn plan(args: &Args) -> Result<Plan, String> {
    let one_off =
        args.ir.is_some() || args.target.is_some() || args.out.is_some() || args.client.is_some();
    if !one_off {
        return Ok(Plan::Config(
            args.config.clone().unwrap_or_else(|| "mizan.toml".into()),
        ));
    }
    if args.config.is_some() {
        return Err(
            "`--config` cannot be combined with `--ir`, `--target`, `--client` or `--out`".into(),
        );
    }
    let (Some(ir), Some(kind)) = (&args.ir, &args.target) else {
        return Err(
            "a one-off run needs both `--ir FILE` and `--target ts|react|vue|svelte`".into(),
        );
    };
    let client = |default: &str| args.client.clone().unwrap_or_else(|| default.into());
    let target = match kind.as_str() {
        "ts" if args.client.is_some() => {
            return Err("`--client` is only for the react, vue and svelte targets".into());
        }
        "ts" => Target::Ts,
        "react" => Target::React {
            client: client("./client"),
        },
        "vue" => Target::Vue {
            client: client("./client"),
        },
        "svelte" => Target::Svelte {
            client: client("../client"),
        },
        other => {
            return Err(format!(
                "unknown target `{other}`; expected ts, react, vue or svelte"
            ));
        }
    };
    let to_stdout = args.out.is_none();
    if to_stdout && (args.check || args.watch) {
        return Err("`--check` and `--watch` need `--out PATH`".into());
    }
    if to_stdout && target.is_dir() {
        return Err("the svelte target writes a directory: give it with `--out DIR`".into());
    }
    Ok(Plan::OneOff(
        Config {
            dir: PathBuf::new(),
            source: IrSource::File(ir.clone()),
            targets: vec![TargetConfig {
                target,
                out: args.out.clone().unwrap_or_default(),
            }],
        },
        to_stdout,
    ))
}

fn load(plan: &Plan) -> Result<(Config, bool), Error> {
    match plan {
        Plan::Config(path) => Ok((Config::load(path)?, false)),
        Plan::OneOff(config, to_stdout) => Ok((config.clone(), *to_stdout)),
    }
}

/// One generation; returns the exit code.
fn once(plan: &Plan, check: bool) -> Result<i32, Error> {
    let (config, to_stdout) = load(plan)?;
    let outputs = generate::run(&config)?;
    if to_stdout {
        for o in &outputs {
            print!("{}", o.contents);
        }
        return Ok(EXIT_OK);
    }
    if check {
        let stale = generate::check(&outputs);
        if stale.is_empty() {
            println!("{} generated file(s) up to date", outputs.len());
            return Ok(EXIT_OK);
        }
        for s in &stale {
            eprintln!("{s}");
        }
        eprintln!("run `mizan-generate` to update them");
        return Ok(EXIT_STALE);
    }
    report(&generate::write(&outputs)?);
    Ok(EXIT_OK)
}

fn report(done: &[(PathBuf, Written)]) {
    for (path, w) in done {
        match w {
            Written::Updated => println!("wrote     {}", path.display()),
            Written::Unchanged => println!("unchanged {}", path.display()),
            Written::Removed => println!("removed   {}", path.display()),
        }
    }
}

/// Regenerates whenever a watched file changes, until interrupted. Errors
/// are printed and the watch goes on.
fn watch(plan: &Plan, style: Style) -> i32 {
    // Polling a handful of paths costs nothing and works on every file
    // system (network mounts and containers included), with no dependency.
    const POLL: Duration = Duration::from_millis(300);
    let config_path = match plan {
        Plan::Config(p) => Some(p.as_path()),
        Plan::OneOff(..) => None,
    };
    loop {
        let roots = match load(plan) {
            Ok((config, _)) => generate::watched_roots(&config, config_path),
            Err(_) => config_path.map(Path::to_path_buf).into_iter().collect(),
        };
        match run_for_watch(plan) {
            Ok(done) => report(&done),
            Err(e) => eprint!("{}", e.render(style)),
        }
        let shown: Vec<_> = roots.iter().map(|r| r.display().to_string()).collect();
        println!("watching {} (Ctrl-C to stop)", shown.join(", "));
        let before = generate::fingerprint(&roots);
        loop {
            std::thread::sleep(POLL);
            if generate::fingerprint(&roots) != before {
                // Let an editor or a build finish writing.
                std::thread::sleep(POLL);
                break;
            }
        }
    }
}

fn run_for_watch(plan: &Plan) -> Result<Vec<(PathBuf, Written)>, Error> {
    let (config, _) = load(plan)?;
    let outputs: Vec<Output> = generate::run(&config)?;
    generate::write(&outputs)
}

fn usage_error(message: &str, style: Style) -> i32 {
    let (red, reset) = if style.color {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("", "")
    };
    eprintln!("{red}error{reset}: {message}\n\n{USAGE}");
    EXIT_ERROR
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, String> {
        parse_args(list.iter().map(OsString::from))
    }

    #[test]
    fn parses_flags_with_and_without_equals() {
        let a = args(&["--config=x.toml", "--check"]).expect("valid");
        assert_eq!(a.config, Some(PathBuf::from("x.toml")));
        assert!(a.check);
        let a = args(&["--ir", "a.kdl", "--target", "react", "--out", "r.tsx"]).expect("valid");
        assert_eq!(a.target.as_deref(), Some("react"));
        assert!(args(&["--nope"]).is_err());
        assert!(args(&["--ir"]).is_err());
    }

    #[test]
    fn one_off_needs_ir_and_target() {
        let a = args(&["--ir", "a.kdl"]).expect("valid");
        assert!(plan(&a).is_err());
        let a = args(&["--ir", "a.kdl", "--target", "ts", "--check"]).expect("valid");
        assert!(plan(&a).is_err(), "--check without --out");
        let a = args(&["--ir", "a.kdl", "--target", "react"]).expect("valid");
        match plan(&a) {
            Ok(Plan::OneOff(c, true)) => assert_eq!(
                c.targets[0].target,
                Target::React {
                    client: "./client".into()
                }
            ),
            _ => panic!("expected a one-off plan to stdout"),
        }
    }
}
