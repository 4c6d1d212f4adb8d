#[mizan::client(rev = 2)]
async fn plain() -> i64 {
    1
}
fn main() {}
