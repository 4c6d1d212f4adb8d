#[derive(serde::Serialize, mizan::Mizan)]
enum Shape {
    Empty,
    Circle { radius: f64 },
}

fn main() {}
