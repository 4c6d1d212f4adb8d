//! `mizan-bench-live`: the live benchmark's servers and its load client.
//!
//! ```text
//! mizan-bench-live serve mizan ADDR    a Mizan server: one board context, one mutation of it
//! mizan-bench-live serve floor ADDR    a bare broadcast: every socket gets every published frame
//! mizan-bench-live load mizan|floor ADDR --sockets N --rounds R --pid PID
//! ```
//!
//! `load` opens N sockets (each subscribed to the same board), reads the
//! server's resident memory before and after, then R times: notes the time,
//! triggers one change over HTTP (Mizan: `POST /call/ move_card`; floor:
//! `POST /publish`) and waits until every socket received its push. It
//! prints one JSON object: memory per socket and, per round, the delivery
//! time of every socket (p50, p99, and the last one).

mod floor;
mod load;
mod server;

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["serve", "mizan", addr] => server::serve(addr).await,
        ["serve", "floor", addr] => floor::serve(addr).await,
        ["load", kind @ ("mizan" | "floor"), addr, rest @ ..] => load::run(kind, addr, rest).await,
        _ => Err(
            "usage: mizan-bench-live serve mizan|floor ADDR | load mizan|floor ADDR --sockets N --rounds R --pid PID"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mizan-bench-live: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The push every socket receives for one change: the same bytes from both
/// servers, so that they write the same amount.
pub(crate) const PUSH: &str =
    r#"{"action":"invalidate","invalidate":[{"context":"board","params":{"board_id":1}}]}"#;

/// The result type of everything here.
pub(crate) type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
