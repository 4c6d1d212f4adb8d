//! One IPC round trip in a Tauri app: Mizan through the `mizan-tauri`
//! plugin beside a plain Tauri command doing the same work, both on Tauri's
//! mock runtime (no window, no WebKit) through the same IPC path
//! (`Webview::on_message`: the ACL check, the command's dispatch onto
//! Tauri's async runtime, the reply). What the page and the webview add on
//! top (the `invoke` call, the custom protocol, JSON in JavaScript) is the
//! same for both, and is not measured here.
//!
//! - **echo**: Mizan `{"op": "call", "fn": "echo", "args": {"text"}}` (the
//!   bytes `@mizan/tauri` sends) beside `#[tauri::command] async fn
//!   echo(text)` (the JSON `invoke("echo", {text})` sends), the same output.
//! - **10-member context**: Mizan `{"op": "fetch", "context": "page",
//!   "params": {"id"}}` (ten member functions, run concurrently, bundled)
//!   beside one command returning the same ten objects as one struct.
//!
//! Sequential calls from one thread; the kinds interleaved per round, so
//! that a colleague's compile lands on both. Writes a Markdown report,
//! keeping the hand-written analysis after `<!-- analysis -->`.
//!
//! `cargo run --release -p mizan-bench-desktop -- [--smoke] [--out FILE]`
//! (`bench/desktop/run` does).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use mizan::prelude::*;
use mizan::{Registry, Server};
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::utils::acl::ExecutionContext;
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

// ---- the work, declared once for Mizan and once as plain Tauri commands

/// `{message}`: the same bytes on both sides.
#[derive(Debug, Serialize, Deserialize, Mizan)]
pub(crate) struct EchoOutput {
    /// `"echo: <text>"`.
    pub(crate) message: String,
}

/// `"echo: <text>"`.
#[mizan::client]
pub(crate) async fn echo(text: String) -> EchoOutput {
    EchoOutput {
        message: format!("echo: {text}"),
    }
}

/// A page whose data comes from ten functions.
#[mizan::context("page")]
pub(crate) struct PageCtx;

/// One tenth of a page.
#[derive(Debug, Serialize, Deserialize, Mizan)]
pub(crate) struct Part {
    /// The page id.
    pub(crate) id: i64,
    /// Which member produced it.
    pub(crate) part: i64,
}

/// Declares the ten members `part_0` … `part_9` of `page`.
macro_rules! parts {
    ($($name:ident = $n:literal),* $(,)?) => {$(
        #[doc = concat!("Member ", $n, " of `page`.")]
        #[mizan::client(context = PageCtx)]
        pub(crate) async fn $name(id: i64) -> Part {
            Part { id, part: $n }
        }
    )*};
}

parts!(
    part_0 = 0,
    part_1 = 1,
    part_2 = 2,
    part_3 = 3,
    part_4 = 4,
    part_5 = 5,
    part_6 = 6,
    part_7 = 7,
    part_8 = 8,
    part_9 = 9,
);

/// The plain Tauri side: what an app writes without Mizan.
mod plain {
    use super::{EchoOutput, Part};
    use serde::Serialize;

    /// The baseline of `echo`.
    #[tauri::command]
    pub(crate) async fn echo(text: String) -> EchoOutput {
        EchoOutput {
            message: format!("echo: {text}"),
        }
    }

    /// The ten parts Mizan's bundle holds, under the same keys.
    #[derive(Serialize)]
    pub(crate) struct Page {
        part_0: Part,
        part_1: Part,
        part_2: Part,
        part_3: Part,
        part_4: Part,
        part_5: Part,
        part_6: Part,
        part_7: Part,
        part_8: Part,
        part_9: Part,
    }

    /// The baseline of the `page` context: one command, the same data.
    #[tauri::command]
    pub(crate) async fn page(id: i64) -> Page {
        let part = |part| Part { id, part };
        Page {
            part_0: part(0),
            part_1: part(1),
            part_2: part(2),
            part_3: part(3),
            part_4: part(4),
            part_5: part(5),
            part_6: part(6),
            part_7: part(7),
            part_8: part(8),
            part_9: part(9),
        }
    }
}

// ---- the app and one round trip

type Error = Box<dyn std::error::Error>;

/// The app (kept alive while it is measured) and its one window.
fn window() -> Result<(tauri::App<MockRuntime>, WebviewWindow<MockRuntime>), Error> {
    let mut context = mock_context(noop_assets());
    // An app allows the plugin's command in a capability (`mizan:default`);
    // the mock context has none, so it is allowed here, as in the plugin's tests.
    context
        .runtime_authority_mut()
        .__allow_command("plugin:mizan|exchange".into(), ExecutionContext::Local);
    let server = Server::builder().registry(Registry::from_declarations()?);
    let app = mock_builder()
        .invoke_handler(tauri::generate_handler![plain::echo, plain::page])
        .plugin(mizan_tauri::Builder::new(server).build())
        .build(context)?;
    let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build()?;
    Ok((app, window))
}

/// One measured request: the command and its body, and the reply expected.
struct Load {
    name: &'static str,
    side: &'static str,
    command: &'static str,
    body: InvokeBody,
    expect: &'static str,
}

fn loads() -> Vec<Load> {
    let raw = |text: &str| InvokeBody::Raw(text.as_bytes().to_vec());
    let json = |value: serde_json::Value| InvokeBody::Json(value);
    vec![
        Load {
            name: "echo",
            side: "plain Tauri command",
            command: "echo",
            body: json(serde_json::json!({"text": "hello"})),
            expect: "echo: hello",
        },
        Load {
            name: "echo",
            side: "Mizan (the plugin's `exchange`)",
            command: "plugin:mizan|exchange",
            body: raw(r#"{"op":"call","fn":"echo","args":{"text":"hello"}}"#),
            expect: "echo: hello",
        },
        Load {
            name: "10-member context",
            side: "plain Tauri command",
            command: "page",
            body: json(serde_json::json!({"id": 7})),
            expect: r#""part_9":{"id":7,"part":9}"#,
        },
        Load {
            name: "10-member context",
            side: "Mizan (the plugin's `exchange`)",
            command: "plugin:mizan|exchange",
            body: raw(r#"{"op":"fetch","context":"page","params":{"id":7}}"#),
            expect: r#""part_9":{"id":7,"part":9}"#,
        },
    ]
}

fn round_trip(
    window: &WebviewWindow<MockRuntime>,
    load: &Load,
) -> Result<InvokeResponseBody, String> {
    let request = InvokeRequest {
        cmd: load.command.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().map_err(|e| format!("{e}"))?,
        body: load.body.clone(),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.into(),
    };
    get_ipc_response(window, request).map_err(|e| format!("{} rejected: {e}", load.command))
}

fn text(reply: &InvokeResponseBody) -> String {
    match reply {
        InvokeResponseBody::Json(json) => json.clone(),
        InvokeResponseBody::Raw(bytes) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Per round: every call's time, in µs.
struct Measured {
    rounds: Vec<Vec<f64>>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    percentile(values, 0.5)
}

impl Measured {
    /// Median over rounds of each round's percentile `p`.
    fn round_percentile(&self, p: f64) -> f64 {
        let mut per_round: Vec<f64> = self
            .rounds
            .iter()
            .map(|times| {
                let mut sorted = times.clone();
                sorted.sort_by(f64::total_cmp);
                percentile(&sorted, p)
            })
            .collect();
        median(&mut per_round)
    }

    /// Median over rounds of each round's calls per second.
    fn per_second(&self) -> Vec<f64> {
        self.rounds
            .iter()
            .map(|times| times.len() as f64 / (times.iter().sum::<f64>() / 1e6))
            .collect()
    }
}

fn main() -> Result<(), Error> {
    let mut smoke = false;
    let mut out = PathBuf::from("bench/RESULTS-desktop.md");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--smoke" => smoke = true,
            "--out" => out = args.next().ok_or("--out needs a file")?.into(),
            other => {
                return Err(
                    format!("unknown argument {other}; usage: [--smoke] [--out FILE]").into(),
                );
            }
        }
    }
    let (calls, rounds, warmup) = if smoke {
        (200, 2, 100)
    } else {
        (20_000, 5, 5_000)
    };
    let started = Instant::now();

    let (_app, window) = window()?;
    let loads = loads();
    for load in &loads {
        let reply = text(&round_trip(&window, load)?);
        if !reply.contains(load.expect) {
            return Err(format!("{} ({}): unexpected reply {reply}", load.name, load.side).into());
        }
        for _ in 0..warmup {
            round_trip(&window, load)?;
        }
    }
    let mut measured: Vec<Measured> = loads
        .iter()
        .map(|_| Measured { rounds: Vec::new() })
        .collect();
    for round in 0..rounds {
        eprintln!("desktop bench: round {} of {rounds}", round + 1);
        for (load, into) in loads.iter().zip(&mut measured) {
            let mut times = Vec::with_capacity(calls);
            for _ in 0..calls {
                let start = Instant::now();
                let reply = round_trip(&window, load)?;
                times.push(start.elapsed().as_secs_f64() * 1e6);
                std::hint::black_box(reply);
            }
            into.rounds.push(times);
        }
    }

    let report = report(
        &loads,
        &measured,
        calls,
        rounds,
        smoke,
        started.elapsed().as_secs_f64(),
        &out,
    );
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, report)?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

fn report(
    loads: &[Load],
    measured: &[Measured],
    calls: usize,
    rounds: usize,
    smoke: bool,
    seconds: f64,
    out: &PathBuf,
) -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Desktop benchmark: a Mizan call over Tauri IPC beside a plain Tauri command{}\n",
        if smoke {
            " (smoke run: numbers meaningless)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "`bench/desktop/run` on this machine ({cores} cores, load average {} at the end, other \
         users of the machine included), in {seconds:.0} s. One app on Tauri {}'s mock runtime: \
         each request goes through `Webview::on_message` (the ACL check, the command's dispatch \
         onto Tauri's async runtime, the reply) as a page's `invoke` does, minus the webview. \
         {calls} sequential calls per round, {rounds} rounds, the four loads interleaved in each; \
         medians over rounds.\n",
        load.join(" / "),
        tauri::VERSION,
    );
    s.push_str(
        "| load | side | × plain (p50) | p50 | p99 | calls/s |\n|---|---|---:|---:|---:|---:|\n",
    );
    for (index, (load, m)) in loads.iter().zip(measured).enumerate() {
        // Each Mizan row follows its plain row.
        let plain = &measured[index - index % 2];
        let mut per_second = m.per_second();
        let _ = writeln!(
            s,
            "| {} | {} | {:.2}× | {:.1} µs | {:.1} µs | {:.0} |",
            load.name,
            load.side,
            m.round_percentile(0.5) / plain.round_percentile(0.5),
            m.round_percentile(0.5),
            m.round_percentile(0.99),
            median(&mut per_second),
        );
    }
    s.push_str("\nEvery round (p50):\n\n");
    for (load, m) in loads.iter().zip(measured) {
        let per_round: Vec<String> = m
            .rounds
            .iter()
            .map(|times| {
                let mut sorted = times.clone();
                sorted.sort_by(f64::total_cmp);
                format!("{:.1} µs", percentile(&sorted, 0.5))
            })
            .collect();
        let _ = writeln!(
            s,
            "- {} · {}: {}",
            load.name,
            load.side,
            per_round.join(", ")
        );
    }
    s.push('\n');
    s.push_str(&preserved_analysis(out));
    s
}

/// The hand-written analysis of the file being replaced: from its
/// `<!-- analysis -->` marker on.
fn preserved_analysis(out: &PathBuf) -> String {
    const MARKER: &str = "<!-- analysis -->";
    std::fs::read_to_string(out)
        .ok()
        .and_then(|old| old.find(MARKER).map(|at| old[at..].to_owned()))
        .unwrap_or_else(|| {
            format!("{MARKER}\n## Reading the numbers\n\n_To be written by hand._\n")
        })
}
