#[derive(serde::Serialize, mizan::Mizan)]
struct Nothing;

fn main() {}
