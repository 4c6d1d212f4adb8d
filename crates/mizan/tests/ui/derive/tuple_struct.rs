#[derive(serde::Serialize, mizan::Mizan)]
struct Point(f64, f64);

fn main() {}
