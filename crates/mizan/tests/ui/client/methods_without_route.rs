#[mizan::client(methods = ["POST"])]
async fn plain() -> i64 {
    1
}
fn main() {}
