//! Tauri's build step: checks the configuration and the capabilities
//! (which need the mizan plugin's permissions, found through its `links`).

fn main() {
    tauri_build::build();
}
