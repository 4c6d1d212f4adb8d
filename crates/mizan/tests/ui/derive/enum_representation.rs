#[derive(serde::Serialize, mizan::Mizan)]
#[serde(tag = "kind")]
enum Internally {
    A,
}

#[derive(serde::Serialize, mizan::Mizan)]
#[serde(content = "value", tag = "kind")]
enum Adjacently {
    A,
}

#[derive(serde::Serialize, mizan::Mizan)]
#[serde(untagged)]
enum Untagged {
    A,
}

fn main() {}
