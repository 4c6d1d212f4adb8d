//! Generates the plugin's permissions (`mizan:allow-exchange`, and
//! `mizan:default`, which allows it) for the app's capabilities.

const COMMANDS: &[&str] = &["exchange"];

fn main() {
    tauri_plugin::Builder::new(COMMANDS).build();
}
