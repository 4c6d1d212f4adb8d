//! The demo's invalidation graph over real HTTP: what each mutation tells the
//! client (the browser suite in tests/browser checks what the client does
//! with it), and the UI served next to the API.

use serde_json::{Value, json};

struct App {
    base: String,
    http: reqwest::Client,
    _web: TempDir,
}

/// A directory removed on drop, standing in for `web/dist`.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn start() -> App {
    let dir = std::env::temp_dir().join(format!(
        "taskboard-web-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>Taskboard</title>",
    )
    .expect("index.html");
    let app = taskboard::app(taskboard::server().expect("server"), &dir, None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { mizan::axum::serve(listener, app).await });
    App {
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
        _web: TempDir(dir),
    }
}

impl App {
    /// `POST /call/`: status, `X-Mizan-Invalidate`, body.
    async fn call(&self, function: &str, args: Value) -> (u16, Option<String>, Value) {
        self.send(json!({"fn": function, "args": args})).await
    }

    /// `POST /call/` with an envelope as given (`refresh` included).
    async fn send(&self, envelope: Value) -> (u16, Option<String>, Value) {
        let res = self
            .http
            .post(format!("{}/api/mizan/call/", self.base))
            .json(&envelope)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let header = res
            .headers()
            .get("x-mizan-invalidate")
            .map(|v| v.to_str().expect("ascii").to_owned());
        (status, header, res.json().await.expect("json"))
    }

    async fn context(&self, path: &str) -> Value {
        let url = format!("{}/api/mizan/ctx/{path}", self.base);
        self.http
            .get(url)
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json")
    }
}

#[tokio::test]
async fn move_task_invalidates_only_its_board() {
    let app = start().await;
    let (status, header, body) = app
        .call(
            "move_task",
            json!({"board_id": 1, "task_id": 2, "column": "review"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["invalidate"],
        json!([{"context": "board", "params": {"board_id": 1}}])
    );
    assert_eq!(header.as_deref(), Some("board;board_id=1"));
    assert!(body.get("merge").is_none());
    let board = app.context("board/?board_id=1").await;
    assert_eq!(board["board_tasks"][1]["column"], "review");
}

#[tokio::test]
async fn a_move_brings_back_the_board_the_client_shows() {
    let app = start().await;
    let (status, _, body) = app
        .send(json!({
            "fn": "move_task",
            "args": {"board_id": 1, "task_id": 2, "column": "review"},
            "refresh": ["board;board_id=1", "board;board_id=2"],
        }))
        .await;
    assert_eq!(status, 200, "{body}");
    // Board 2 is not hit: left out. Board 1 is what GET /ctx/ now says.
    let refreshed = body["refreshed"].as_object().expect("refreshed");
    assert_eq!(refreshed.keys().collect::<Vec<_>>(), ["board;board_id=1"]);
    assert_eq!(
        refreshed["board;board_id=1"],
        app.context("board/?board_id=1").await
    );
    assert_eq!(
        body["refreshed"]["board;board_id=1"]["board_tasks"][1]["column"],
        "review"
    );
}

#[tokio::test]
async fn only_a_card_someone_works_on_can_be_done() {
    let app = start().await;
    // Task 6 has nobody assigned.
    for (function, args) in [
        (
            "move_task",
            json!({"board_id": 1, "task_id": 6, "column": "done"}),
        ),
        ("complete_task", json!({"board_id": 1, "task_id": 6})),
    ] {
        let (status, header, body) = app.call(function, args).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(header, None, "a failed call invalidates nothing");
        assert_eq!(
            body["error"]["details"]["fields"]["column"],
            json!([
                "“Draft the onboarding email” has nobody assigned: assign someone before it can be done."
            ])
        );
    }
    let (status, _, body) = app
        .call(
            "move_task",
            json!({"board_id": 1, "task_id": 6, "column": "review"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn complete_task_invalidates_the_board_and_the_task() {
    let app = start().await;
    let (status, header, body) = app
        .call("complete_task", json!({"board_id": 1, "task_id": 3}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(header.as_deref(), Some("board;board_id=1, task;task_id=3"));
    assert_eq!(body["result"]["column"], "done");
    let task = app.context("task/?task_id=3").await;
    let last = task["task_comments"]
        .as_array()
        .and_then(|c| c.last())
        .cloned();
    assert_eq!(
        last,
        Some(
            json!({"author_id": 1, "body": "marked this done", "id": 5, "kind": "activity", "task_id": 3})
        )
    );
}

#[tokio::test]
async fn rename_and_add_task_merge_into_the_board_by_id() {
    let app = start().await;
    let (_, header, body) = app
        .call(
            "rename_task",
            json!({"board_id": 2, "task_id": 7, "title": "  A new hero  "}),
        )
        .await;
    assert_eq!(header, None);
    assert_eq!(body["invalidate"], json!([]));
    assert_eq!(
        body["merge"],
        json!([{"context": "board", "key": "id", "mode": "upsert", "params": {"board_id": 2}, "slot": "board_tasks",
                "value": {"assignee_id": 4, "board_id": 2, "column": "todo", "id": 7, "title": "A new hero"}}])
    );
    let (_, _, body) = app
        .call("add_task", json!({"board_id": 2, "title": "Favicon"}))
        .await;
    assert_eq!(
        body["merge"][0]["value"],
        json!({"assignee_id": null, "board_id": 2, "column": "todo", "id": 10, "title": "Favicon"})
    );
}

#[tokio::test]
async fn edit_description_replaces_task_detail() {
    let app = start().await;
    let (_, _, body) = app
        .call(
            "edit_description",
            json!({"task_id": 4, "description": "Checked."}),
        )
        .await;
    assert_eq!(body["invalidate"], json!([]));
    let merge = &body["merge"][0];
    assert_eq!(
        (&merge["context"], &merge["slot"], &merge["mode"]),
        (&json!("task"), &json!("task_detail"), &json!("replace"))
    );
    assert_eq!(merge["params"], json!({"task_id": 4}));
}

#[tokio::test]
async fn bad_input_is_a_typed_error_and_invalidates_nothing() {
    let app = start().await;
    let (status, header, body) = app
        .call("add_comment", json!({"task_id": 1, "body": "   "}))
        .await;
    assert_eq!((status, header), (422, None));
    assert_eq!(body["error"]["code"], "VALIDATION_ERROR");
    assert_eq!(
        body["error"]["details"]["fields"]["body"],
        json!(["Write something first."])
    );

    // The argument that scopes the invalidation must be the task's board.
    let (status, _, body) = app
        .call(
            "move_task",
            json!({"board_id": 2, "task_id": 1, "column": "done"}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, _, body) = app
        .call(
            "move_task",
            json!({"board_id": 1, "task_id": 1, "column": "nowhere"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        app.context("board/?board_id=9").await["error"]["code"],
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn the_ui_and_the_api_share_one_origin() {
    let app = start().await;
    let page = app
        .http
        .get(format!("{}/", app.base))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .expect("text")
            .contains("<title>Taskboard</title>")
    );
    let global = app.context("global/").await;
    assert_eq!(global["current_user"]["name"], "Ada Lovelace");
    assert_eq!(global["boards"].as_array().map(Vec::len), Some(2));
}
