use std::collections::HashMap;

#[derive(serde::Serialize, mizan::Mizan)]
struct Event {
    name: String,
    #[serde(flatten)]
    extra: HashMap<String, String>,
}

fn main() {}
