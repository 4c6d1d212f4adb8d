#[mizan::client(auth = "admin")]
async fn secret() -> i64 {
    1
}
fn main() {}
