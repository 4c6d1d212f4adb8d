//! The `activity` channel through the core, as a live connection sees it:
//! who may join, what a note must be, and the line every mutation publishes.
//! (The browser suite shows it between two pages over the real socket.)

use std::time::Duration;

use mizan::Server;
use mizan::live::Connection;
use mizan::server::{CallEnvelope, CallInput, Exchange, Operation, Outcome};
use serde_json::{Map, Value, json};

fn params(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("params must be an object, not {other}"),
    }
}

/// One operation on connection `on` (the caller is anonymous, as in the demo).
async fn run(server: &Server, on: &Connection, operation: Operation) -> Outcome {
    server
        .exchange(Exchange::ipc(None, operation).on_connection(on.id()))
        .await
}

fn join(board_id: i64) -> Operation {
    Operation::Join {
        channel: "activity".into(),
        params: params(json!({ "board_id": board_id })),
    }
}

fn call(function: &str, args: Value) -> Operation {
    let body = json!({ "fn": function, "args": args }).to_string();
    Operation::Call(CallInput::Envelope(
        CallEnvelope::from_json(body.as_bytes()).expect("an envelope"),
    ))
}

/// The next push to `on`, as JSON.
async fn next(on: &mut Connection) -> Value {
    let push = tokio::time::timeout(Duration::from_secs(5), on.next_push())
        .await
        .expect("a push within 5 s")
        .expect("the connection is open");
    serde_json::from_slice(&push).expect("a JSON push")
}

fn failed(outcome: Outcome) -> (u16, String) {
    match outcome {
        Outcome::Failed(err) => (err.status(), err.message().to_owned()),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_mutation_publishes_its_line_to_the_boards_activity_and_to_no_other_board() {
    let server = taskboard::server().expect("server");
    let mut board1 = server.connect();
    let mut board2 = server.connect();
    assert!(matches!(
        run(&server, &board1, join(1)).await,
        Outcome::Acknowledged
    ));
    assert!(matches!(
        run(&server, &board2, join(2)).await,
        Outcome::Acknowledged
    ));

    let mover = server.connect();
    let moved = run(
        &server,
        &mover,
        call(
            "move_task",
            json!({"board_id": 1, "task_id": 3, "column": "done"}),
        ),
    )
    .await;
    assert!(matches!(moved, Outcome::Called(_)), "{moved:?}");
    assert_eq!(
        next(&mut board1).await,
        json!({
            "action": "message",
            "channel": "activity",
            "params": {"board_id": 1},
            "message": {"board_id": 1, "member_id": 1, "kind": "change", "text": "moved “Load-test the API” to Done"},
        })
    );

    // Board 2's first message is its own change: nothing of board 1's came before it.
    run(
        &server,
        &mover,
        call("add_task", json!({"board_id": 2, "title": "Favicon"})),
    )
    .await;
    assert_eq!(
        next(&mut board2).await["message"]["text"],
        "added “Favicon”"
    );
}

#[tokio::test]
async fn a_note_is_published_to_everyone_on_the_board_the_sender_included() {
    let server = taskboard::server().expect("server");
    let mut sender = server.connect();
    let mut other = server.connect();
    for on in [&sender, &other] {
        assert!(matches!(
            run(&server, on, join(1)).await,
            Outcome::Acknowledged
        ));
    }
    let send = |text: &str| Operation::Send {
        channel: "activity".into(),
        params: params(json!({"board_id": 1})),
        message: json!({ "text": text }),
    };
    assert!(matches!(
        run(&server, &sender, send("  standup in 5  ")).await,
        Outcome::Acknowledged
    ));
    for on in [&mut sender, &mut other] {
        assert_eq!(
            next(on).await["message"],
            json!({"board_id": 1, "member_id": 1, "kind": "note", "text": "standup in 5"})
        );
    }
    let (status, message) = failed(run(&server, &sender, send("   ")).await);
    assert_eq!((status, message.as_str()), (422, "Input validation failed"));
}

#[tokio::test]
async fn only_boards_that_exist_can_be_joined_and_only_joined_ones_sent_to() {
    let server = taskboard::server().expect("server");
    let on = server.connect();
    let (status, message) = failed(run(&server, &on, join(9)).await);
    assert_eq!((status, message.as_str()), (404, "There is no board 9."));
    let (status, _) = failed(
        run(
            &server,
            &on,
            Operation::Send {
                channel: "activity".into(),
                params: params(json!({"board_id": 1})),
                message: json!({"text": "hi"}),
            },
        )
        .await,
    );
    assert_eq!(status, 403);
}
