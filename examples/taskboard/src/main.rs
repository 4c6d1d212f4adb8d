//! `cargo run -p taskboard [-- --emit-ir]`: serves the task board demo on
//! `MIZAN_DEMO_ADDR` (default 127.0.0.1:8766): the API under `/api/mizan`,
//! the board rendered on the server at `/board/<id>`, and the UI built into
//! `web/dist` (`MIZAN_DEMO_WEB_DIR` to serve another; its server bundle is
//! the sibling `dist-server/`; `MIZAN_DEMO_SSR_WORKERS` render workers,
//! default one per core).
//! `MIZAN_DEMO_DELAY_MS` slows every call by that much, to watch what
//! optimistic updates and single-flight refreshes do on a slow server.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("taskboard: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    match std::env::args().nth(1).as_deref() {
        Some("--emit-ir") => {
            print!("{}", taskboard::registry()?.build_ir());
            return Ok(());
        }
        Some(other) => return Err(format!("unknown argument `{other}`; expected --emit-ir").into()),
        None => {}
    }
    let addr = std::env::var("MIZAN_DEMO_ADDR").unwrap_or_else(|_| taskboard::DEFAULT_ADDR.into());
    let web_dir = std::env::var_os("MIZAN_DEMO_WEB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web/dist"));
    if !web_dir.join("index.html").is_file() {
        eprintln!(
            "taskboard: no UI in {} (build it: npm run build -w examples/taskboard/web); serving the API only",
            web_dir.display()
        );
    }
    let delay = match std::env::var("MIZAN_DEMO_DELAY_MS") {
        Ok(ms) => ms.parse().map_err(|_| {
            format!("MIZAN_DEMO_DELAY_MS must be a number of milliseconds, not `{ms}`")
        })?,
        Err(_) => 0,
    };
    let latency = taskboard::Latency(Duration::from_millis(delay));
    // The board is rendered on the server when the UI's server bundle is
    // built; without it, the client renders every page.
    let server = taskboard::server_with(latency)?;
    let workers = std::env::var("MIZAN_DEMO_SSR_WORKERS")
        .ok()
        .and_then(|n| n.parse().ok());
    let pages = match taskboard::pages(server.clone(), &web_dir, workers).await {
        Ok(pages) => Some(pages),
        Err(err) => {
            eprintln!("taskboard: no server-side rendering: {err}");
            None
        }
    };
    let app = taskboard::app(server.clone(), &web_dir, pages.clone());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on {}", listener.local_addr()?);
    mizan::axum::serve_with_shutdown(listener, app, &server, stopped()).await?;
    // Every request is answered: stop the render workers before exiting.
    if let Some(pages) = pages {
        pages.shutdown().await;
    }
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn stopped() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}
