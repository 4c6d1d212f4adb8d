#[mizan::client(name = "has-dash")]
async fn dashed() -> i64 {
    1
}
fn main() {}
