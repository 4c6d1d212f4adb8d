//! `mizan-bench-servers --mizan ADDR --axum ADDR`: the Mizan app of the
//! benchmarks and the hand-written axum baseline, one runtime, two ports.
//! `bench/run` starts it pinned to one core and sends load to one port at a
//! time.

mod app;
mod baseline;

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mizan-bench-servers: {err}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: mizan-bench-servers --mizan ADDR --axum ADDR";

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (mut mizan_addr, mut axum_addr) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let slot = match flag.as_str() {
            "--mizan" => &mut mizan_addr,
            "--axum" => &mut axum_addr,
            _ => return Err(format!("unknown argument `{flag}`; {USAGE}").into()),
        };
        *slot = Some(args.next().ok_or(USAGE)?);
    }
    let (Some(mizan_addr), Some(axum_addr)) = (mizan_addr, axum_addr) else {
        return Err(USAGE.into());
    };

    let mizan = tokio::net::TcpListener::bind(&mizan_addr).await?;
    let axum = tokio::net::TcpListener::bind(&axum_addr).await?;
    println!("mizan on {}", mizan.local_addr()?);
    println!("axum on {}", axum.local_addr()?);
    let server = app::server()?;
    tokio::try_join!(
        mizan::axum::serve(mizan, server),
        axum::serve(axum, baseline::router()).into_future(),
    )?;
    Ok(())
}
