#[derive(serde::Serialize, mizan::Mizan)]
struct Profile {
    #[mizan(rename = "userId")]
    user_id: i64,
}

fn main() {}
