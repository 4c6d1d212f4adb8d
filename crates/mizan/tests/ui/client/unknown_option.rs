#[mizan::client(cach = 60)]
async fn trending() -> i64 {
    1
}
fn main() {}
