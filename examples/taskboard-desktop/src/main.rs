//! The taskboard demo as a desktop app: the same Rust functions as
//! `examples/taskboard`, run in this process by the `mizan-tauri` plugin,
//! and the same React UI (built with `npm run build:desktop -w
//! examples/taskboard/web`) in a Tauri window, on the Tauri transport. No
//! HTTP server is involved. `scripts/desktop` builds and starts it.

// No console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

use mizan::{Identity, Server};
use tauri::Manager as _;

/// The app's signed-in local user, kept in Tauri's managed state. The demo
/// has no log-in: it is Ada (member 1), as on the web.
struct LocalUser(Identity);

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("taskboard-desktop: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::builder()
        .registry(taskboard::registry()?)
        .state(taskboard::Store::default());
    tauri::Builder::default()
        .manage(LocalUser(Identity::new("1")))
        .plugin(
            mizan_tauri::Builder::new(server)
                // The host supplies the caller: whoever is signed in to the app.
                .identity(|webview| Some(webview.state::<LocalUser>().0.clone()))
                .build(),
        )
        .run(tauri::generate_context!())?;
    Ok(())
}
