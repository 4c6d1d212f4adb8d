pub struct NotAMarker;

#[mizan::client(context = NotAMarker)]
async fn member() -> i64 {
    1
}
fn main() {}
