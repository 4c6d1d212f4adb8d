#[derive(serde::Deserialize)]
pub struct Plain {
    pub x: i64,
}

#[mizan::client]
async fn take(value: Plain) -> i64 {
    value.x
}
fn main() {}
