#[derive(serde::Serialize, mizan::Mizan)]
struct Page<T> {
    items: Vec<T>,
    total: u64,
}

fn main() {}
