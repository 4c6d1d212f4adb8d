#[mizan::client(context = "user", affects = "user")]
async fn both(user_id: i64) -> i64 {
    user_id
}
fn main() {}
