//! `cargo run --release -p afi-fixture [-- --emit-ir | --emit-manifest]`

use std::process::ExitCode;

use afi_fixture::{Settings, registry, server};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("afi-fixture: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let arg = std::env::args().nth(1);
    match arg.as_deref() {
        Some("--emit-ir") => {
            print!("{}", registry()?.build_ir());
            return Ok(());
        }
        Some("--emit-manifest") => {
            print!("{}", registry()?.manifest_text("/api/mizan"));
            return Ok(());
        }
        Some(other) => {
            return Err(format!(
                "unknown argument `{other}`; expected --emit-ir or --emit-manifest"
            )
            .into());
        }
        None => {}
    }
    let addr = std::env::var("MIZAN_FIXTURE_ADDR").unwrap_or_else(|_| "127.0.0.1:8765".into());
    let server = server(&Settings::from_env())?;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on {}", listener.local_addr()?);
    // Ctrl-C or SIGTERM: stop accepting, close the open sockets cleanly
    // (1001), finish the requests in flight.
    mizan::axum::serve_with_shutdown(listener, server.clone(), &server, stop_signal()).await?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stop_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}
