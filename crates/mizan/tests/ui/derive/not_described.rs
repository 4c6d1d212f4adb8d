#[derive(serde::Serialize)]
struct Opaque;

#[derive(serde::Serialize, mizan::Mizan)]
struct Profile {
    user_id: i64,
    secret: Opaque,
}

fn main() {}
