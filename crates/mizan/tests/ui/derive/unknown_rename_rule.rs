#[derive(serde::Serialize, mizan::Mizan)]
#[serde(rename_all = "camelcase")]
struct Profile {
    user_id: i64,
}

fn main() {}
