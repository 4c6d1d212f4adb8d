//! Taskboard: the Mizan demo app. A small team task board whose server is
//! nothing but typed functions; the React UI in `web/` is generated from them.
//!
//! The invalidation graph, which is the point of the demo:
//!
//! | function | kind | what the client does after it |
//! |---|---|---|
//! | `move_task` | `affects = board` | gets `board;board_id=<id>` back with the reply (single-flight), no other board |
//! | `complete_task` | `affects = [board, task]` | gets that board and that task back with the reply |
//! | `add_comment` | `affects = task` | gets `task;task_id=<id>` back with the reply |
//! | `rename_task`, `add_task` | `merge = board` | upserts the card into `board_tasks`: no request |
//! | `edit_description` | `merge = task` | replaces `task_detail`: no request |
//!
//! Over the socket (the UI is live), every page showing a board hears these
//! as pushes, whoever made the change. The `activity` channel (one instance
//! per board) carries what people do and say on a board: the mutations above
//! publish a line to it, and a page may send a note.
//!
//! State lives in memory and is seeded identically on every start.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use mizan::axum::Router;
use mizan::prelude::*;
use mizan::ssr::{Component, Document, Page, Pages, Pool, PoolConfig, find_worker};
use mizan::{Registry, Server};
use tower_http::services::ServeDir;

/// Where the server listens unless `MIZAN_DEMO_ADDR` says otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8766";

/// The longest task title the board accepts.
pub const MAX_TITLE_CHARS: usize = 120;

/// How long every call waits before it runs (`MIZAN_DEMO_DELAY_MS` for the
/// binary): a slow network or a busy server, to watch optimistic updates
/// and single-flight refreshes at work. Zero by default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Latency(pub Duration);

// ---- types -------------------------------------------------------------

/// A person on the team.
#[derive(Debug, Clone, Serialize, Deserialize, Mizan)]
pub struct Member {
    /// Member id.
    pub id: i64,
    /// Full name.
    pub name: String,
    /// Two letters for the avatar.
    pub initials: String,
    /// Avatar colour, a CSS hex colour.
    pub color: String,
}

/// A board as the board list shows it.
#[derive(Debug, Clone, Serialize, Deserialize, Mizan)]
pub struct BoardInfo {
    /// Board id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// One line on what the board is for.
    pub description: String,
}

/// A column of a board.
#[derive(Debug, Clone, Serialize, Deserialize, Mizan)]
pub struct Column {
    /// Stable key, e.g. `"doing"`.
    pub id: String,
    /// Heading.
    pub title: String,
}

/// A task as its card on the board shows it.
#[derive(Debug, Clone, Serialize, Deserialize, Mizan)]
pub struct TaskCard {
    /// Task id.
    pub id: i64,
    /// The board it is on.
    pub board_id: i64,
    /// Title.
    pub title: String,
    /// The id of its column.
    pub column: String,
    /// Who works on it, if anyone.
    pub assignee_id: Option<i64>,
}

/// What only the task's own panel shows.
#[derive(Debug, Clone, Serialize, Deserialize, Mizan)]
pub struct TaskDetail {
    /// Task id.
    pub id: i64,
    /// Free text.
    pub description: String,
    /// Who filed it.
    pub reporter_id: i64,
    /// Labels.
    pub labels: Vec<String>,
}

/// Whether a comment was written by a person or recorded by the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Mizan)]
#[serde(rename_all = "snake_case")]
pub enum CommentKind {
    /// Written by a person.
    Comment,
    /// Recorded by the board (e.g. "marked this done").
    Activity,
}

/// A comment on a task.
#[derive(Debug, Clone, Serialize, Deserialize, Mizan)]
pub struct Comment {
    /// Comment id.
    pub id: i64,
    /// The task.
    pub task_id: i64,
    /// Who wrote it.
    pub author_id: i64,
    /// Text.
    pub body: String,
    /// Person or board.
    pub kind: CommentKind,
}

/// A board's activity channel: its params.
#[derive(Debug, Clone, Serialize, Deserialize, Mizan)]
pub struct BoardRoom {
    /// The board.
    pub board_id: i64,
}

/// What a page may send to a board's activity channel.
#[derive(Debug, Clone, Serialize, Deserialize, Mizan)]
pub struct BoardNote {
    /// What to tell everyone looking at the board.
    pub text: String,
}

/// Whether a line of the activity feed is a change someone made or a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Mizan)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// A mutation: a card moved, added, renamed, completed, commented on.
    Change,
    /// A note someone sent to the board.
    Note,
}

/// One line of a board's activity feed.
#[derive(Debug, Clone, Serialize, Deserialize, Mizan)]
pub struct Activity {
    /// The board.
    pub board_id: i64,
    /// Who did or said it.
    pub member_id: i64,
    /// Change or note.
    pub kind: ActivityKind,
    /// What happened (`moved “Pick a domain name” to Done`), or the note.
    pub text: String,
}

/// The longest note the activity feed accepts.
pub const MAX_NOTE_CHARS: usize = 200;

// ---- state -------------------------------------------------------------

/// The signed-in member. The demo has no log-in: everyone is Ada.
const CURRENT_USER: i64 = 1;

struct Task {
    card: TaskCard,
    detail: TaskDetail,
}

struct Board {
    info: BoardInfo,
    columns: Vec<Column>,
}

struct State {
    team: Vec<Member>,
    boards: BTreeMap<i64, Board>,
    tasks: BTreeMap<i64, Task>,
    comments: Vec<Comment>,
    next_task: i64,
    next_comment: i64,
}

/// The board's in-memory state, seeded identically on every start.
pub struct Store(Mutex<State>);

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Default for Store {
    fn default() -> Self {
        Self(Mutex::new(State::seed()))
    }
}

impl Store {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn member(id: i64, name: &str, initials: &str, color: &str) -> Member {
    Member {
        id,
        name: name.into(),
        initials: initials.into(),
        color: color.into(),
    }
}

fn columns(ids: &[(&str, &str)]) -> Vec<Column> {
    ids.iter()
        .map(|(id, title)| Column {
            id: (*id).into(),
            title: (*title).into(),
        })
        .collect()
}

/// Board, title, column, assignee, description, labels; ids count from 1.
type SeedTask = (
    i64,
    &'static str,
    &'static str,
    Option<i64>,
    &'static str,
    &'static [&'static str],
);

#[rustfmt::skip]
const SEED_TASKS: [SeedTask; 9] = [
    (1, "Write the launch announcement", "todo", Some(1), "Two paragraphs for the blog and a short version for the newsletter.", &["writing"]),
    (1, "Set up the status page", "doing", Some(2), "Public page with API and dashboard health.", &["ops"]),
    (1, "Load-test the API", "doing", Some(3), "500 requests per second for ten minutes, p99 under 200 ms.", &["ops", "backend"]),
    (1, "Review the pricing page copy", "review", Some(4), "Check the numbers against the billing plan.", &["writing"]),
    (1, "Pick a domain name", "done", Some(1), "Short, pronounceable, available.", &[]),
    (1, "Draft the onboarding email", "todo", None, "The first email a new team receives.", &["writing"]),
    (2, "New hero illustration", "todo", Some(4), "Something friendlier than the stock photo.", &["design"]),
    (2, "Move the blog to the new theme", "doing", Some(2), "Keep the old URLs working.", &["frontend"]),
    (2, "Fix the broken footer links", "done", Some(3), "Three links point at the old docs.", &["frontend"]),
];

impl State {
    fn seed() -> Self {
        let team = vec![
            member(1, "Ada Lovelace", "AL", "#7c3aed"),
            member(2, "Grace Hopper", "GH", "#0891b2"),
            member(3, "Alan Turing", "AT", "#ea580c"),
            member(4, "Katherine Johnson", "KJ", "#16a34a"),
        ];
        let board = |id: i64, name: &str, description: &str, cols: Vec<Column>| {
            let info = BoardInfo {
                id,
                name: name.into(),
                description: description.into(),
            };
            (
                id,
                Board {
                    info,
                    columns: cols,
                },
            )
        };
        let boards = [
            board(
                1,
                "Launch",
                "Everything between today and the public launch.",
                columns(&[
                    ("todo", "To do"),
                    ("doing", "In progress"),
                    ("review", "Review"),
                    ("done", "Done"),
                ]),
            ),
            board(
                2,
                "Website",
                "The marketing site refresh.",
                columns(&[
                    ("todo", "To do"),
                    ("doing", "In progress"),
                    ("done", "Done"),
                ]),
            ),
        ]
        .into();
        let tasks: BTreeMap<i64, Task> = SEED_TASKS
            .iter()
            .zip(1..)
            .map(
                |(&(board_id, title, column, assignee_id, description, labels), id)| {
                    let card = TaskCard {
                        id,
                        board_id,
                        title: title.into(),
                        column: column.into(),
                        assignee_id,
                    };
                    let detail = TaskDetail {
                        id,
                        description: description.into(),
                        reporter_id: 1 + (id % 4),
                        labels: labels.iter().map(|l| (*l).to_owned()).collect(),
                    };
                    (id, Task { card, detail })
                },
            )
            .collect();
        let comment = |id: i64, task_id: i64, author_id: i64, body: &str| Comment {
            id,
            task_id,
            author_id,
            body: body.into(),
            kind: CommentKind::Comment,
        };
        let comments = vec![
            comment(1, 1, 2, "Can we mention the status page in it?"),
            comment(2, 1, 1, "Yes, once it is live."),
            comment(3, 2, 3, "Which provider did we pick?"),
            comment(
                4,
                3,
                4,
                "The staging database is smaller than production; keep that in mind.",
            ),
        ];
        Self {
            team,
            next_task: tasks.len() as i64 + 1,
            next_comment: comments.len() as i64 + 1,
            boards,
            tasks,
            comments,
        }
    }

    fn board(&self, board_id: i64) -> Result<&Board, MizanError> {
        self.boards
            .get(&board_id)
            .ok_or_else(|| MizanError::not_found(format!("There is no board {board_id}.")))
    }

    fn task(&self, task_id: i64) -> Result<&Task, MizanError> {
        self.tasks
            .get(&task_id)
            .ok_or_else(|| MizanError::not_found(format!("There is no task {task_id}.")))
    }

    /// The task, checked to be on `board_id` (the argument that scopes the
    /// invalidation must tell the truth).
    fn task_on_board(&mut self, board_id: i64, task_id: i64) -> Result<&mut Task, MizanError> {
        self.board(board_id)?;
        match self.tasks.get_mut(&task_id) {
            Some(task) if task.card.board_id == board_id => Ok(task),
            _ => Err(MizanError::not_found(format!(
                "There is no task {task_id} on board {board_id}."
            ))),
        }
    }

    fn check_column(&self, board_id: i64, column: &str) -> Result<(), MizanError> {
        if self.board(board_id)?.columns.iter().any(|c| c.id == column) {
            Ok(())
        } else {
            Err(MizanError::invalid_field(
                "column",
                format!("Board {board_id} has no column \"{column}\"."),
            ))
        }
    }

    /// A card goes to the board's last column (done) only when someone
    /// works on it: somebody has to have done it.
    fn check_done(&self, board_id: i64, task: &Task, column: &str) -> Result<(), MizanError> {
        let last = self.board(board_id)?.columns.last().map(|c| c.id.as_str());
        if task.card.assignee_id.is_none() && last == Some(column) {
            return Err(MizanError::invalid_field(
                "column",
                format!(
                    "“{}” has nobody assigned: assign someone before it can be done.",
                    task.card.title
                ),
            ));
        }
        Ok(())
    }

    fn column_title(&self, board_id: i64, column: &str) -> Result<String, MizanError> {
        self.check_column(board_id, column)?;
        Ok(self
            .board(board_id)?
            .columns
            .iter()
            .find(|c| c.id == column)
            .map_or_else(|| column.to_owned(), |c| c.title.clone()))
    }

    /// A new card on `board_id`, in `column` or the first one.
    fn add_card(
        &mut self,
        board_id: i64,
        title: String,
        column: Option<String>,
    ) -> Result<TaskCard, MizanError> {
        let column = match column {
            Some(column) => column,
            None => self
                .board(board_id)?
                .columns
                .first()
                .map(|c| c.id.clone())
                .ok_or_else(|| MizanError::internal("a board without columns"))?,
        };
        self.check_column(board_id, &column)?;
        let id = self.next_task;
        self.next_task += 1;
        let card = TaskCard {
            id,
            board_id,
            title,
            column,
            assignee_id: None,
        };
        let detail = TaskDetail {
            id,
            description: String::new(),
            reporter_id: CURRENT_USER,
            labels: Vec::new(),
        };
        self.tasks.insert(
            id,
            Task {
                card: card.clone(),
                detail,
            },
        );
        Ok(card)
    }

    fn comment(&mut self, task_id: i64, body: String, kind: CommentKind) -> Comment {
        let comment = Comment {
            id: self.next_comment,
            task_id,
            author_id: CURRENT_USER,
            body,
            kind,
        };
        self.next_comment += 1;
        self.comments.push(comment.clone());
        comment
    }
}

fn store(req: &Request) -> Result<MutexGuard<'_, State>, MizanError> {
    Ok(req.state::<Store>()?.lock())
}

/// Waits out the demo's [`Latency`], if the server was given one.
async fn slow_down(req: &Request) {
    if let Ok(Latency(delay)) = req.state::<Latency>()
        && !delay.is_zero()
    {
        tokio::time::sleep(*delay).await;
    }
}

fn title(field: &str, text: &str) -> Result<String, MizanError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(MizanError::invalid_field(field, "A task needs a title."));
    }
    if text.chars().count() > MAX_TITLE_CHARS {
        return Err(MizanError::invalid_field(
            field,
            format!("Keep titles under {MAX_TITLE_CHARS} characters."),
        ));
    }
    Ok(text.to_owned())
}

// ---- the activity channel ----------------------------------------------

/// What happens on a board, live: one channel instance per board. Anyone
/// may join a board that exists; a note sent to it is published to
/// everyone on it, the sender included.
#[mizan::channel("activity")]
pub struct BoardActivity;

impl Channel for BoardActivity {
    type Params = BoardRoom;
    type Send = BoardNote;
    type Message = Activity;

    async fn join(req: &Request, room: &BoardRoom) -> Result<(), MizanError> {
        store(req)?.board(room.board_id).map(|_| ())
    }

    async fn send(
        _req: &Request,
        room: &BoardRoom,
        note: BoardNote,
    ) -> Result<Option<Activity>, MizanError> {
        let text = note.text.trim();
        if text.is_empty() {
            return Err(MizanError::invalid_field(
                "message.text",
                "Write something first.",
            ));
        }
        if text.chars().count() > MAX_NOTE_CHARS {
            return Err(MizanError::invalid_field(
                "message.text",
                format!("Keep notes under {MAX_NOTE_CHARS} characters."),
            ));
        }
        Ok(Some(Activity {
            board_id: room.board_id,
            member_id: CURRENT_USER,
            kind: ActivityKind::Note,
            text: text.to_owned(),
        }))
    }
}

/// Tells everyone on `board_id` what the signed-in member just did. The
/// change itself is made by then: a line that could not be published is only
/// a line missing from the feed, never the mutation's error.
async fn announce(req: &Request, board_id: i64, text: String) {
    let activity = Activity {
        board_id,
        member_id: CURRENT_USER,
        kind: ActivityKind::Change,
        text,
    };
    let _ = req
        .publish::<BoardActivity>(&BoardRoom { board_id }, &activity)
        .await;
}

// ---- contexts ----------------------------------------------------------

/// One board: its columns and its cards.
#[mizan::context("board")]
pub struct BoardCtx;

/// One task: what its panel shows.
#[mizan::context("task")]
pub struct TaskCtx;

// ---- global: fetched once at the app root --------------------------------

/// The signed-in member.
#[mizan::client(context = "global")]
pub async fn current_user(req: &Request) -> Result<Member, MizanError> {
    let state = store(req)?;
    state
        .team
        .iter()
        .find(|m| m.id == CURRENT_USER)
        .cloned()
        .ok_or_else(|| MizanError::internal("the signed-in member is not on the team"))
}

/// Everyone on the team.
#[mizan::client(context = "global")]
pub async fn team(req: &Request) -> Result<Vec<Member>, MizanError> {
    Ok(store(req)?.team.clone())
}

/// Every board.
#[mizan::client(context = "global")]
pub async fn boards(req: &Request) -> Result<Vec<BoardInfo>, MizanError> {
    Ok(store(req)?
        .boards
        .values()
        .map(|b| b.info.clone())
        .collect())
}

// ---- board ---------------------------------------------------------------

/// The board's columns, left to right.
#[mizan::client(context = BoardCtx)]
pub async fn board_columns(req: &Request, board_id: i64) -> Result<Vec<Column>, MizanError> {
    Ok(store(req)?.board(board_id)?.columns.clone())
}

/// The board's cards, by id.
#[mizan::client(context = BoardCtx)]
pub async fn board_tasks(req: &Request, board_id: i64) -> Result<Vec<TaskCard>, MizanError> {
    let state = store(req)?;
    state.board(board_id)?;
    Ok(state
        .tasks
        .values()
        .filter(|t| t.card.board_id == board_id)
        .map(|t| t.card.clone())
        .collect())
}

// ---- task ----------------------------------------------------------------

/// Description, reporter and labels.
#[mizan::client(context = TaskCtx)]
pub async fn task_detail(req: &Request, task_id: i64) -> Result<TaskDetail, MizanError> {
    Ok(store(req)?.task(task_id)?.detail.clone())
}

/// Comments and activity, oldest first.
#[mizan::client(context = TaskCtx)]
pub async fn task_comments(req: &Request, task_id: i64) -> Result<Vec<Comment>, MizanError> {
    let state = store(req)?;
    state.task(task_id)?;
    Ok(state
        .comments
        .iter()
        .filter(|c| c.task_id == task_id)
        .cloned()
        .collect())
}

// ---- mutations -------------------------------------------------------------

/// Renames a task. The card comes back and is spliced into that board's
/// `board_tasks` by `id`: the client makes no request.
#[mizan::client(merge = BoardCtx)]
pub async fn rename_task(
    req: &Request,
    board_id: i64,
    task_id: i64,
    title: String,
) -> Result<TaskCard, MizanError> {
    slow_down(req).await;
    let title = self::title("title", &title)?;
    let card = {
        let mut state = store(req)?;
        let task = state.task_on_board(board_id, task_id)?;
        task.card.title = title;
        task.card.clone()
    };
    announce(req, board_id, format!("renamed a card to “{}”", card.title)).await;
    Ok(card)
}

/// Adds a card to a board (first column unless `column` says otherwise); it
/// is appended to that board's `board_tasks` with no request.
#[mizan::client(merge = BoardCtx)]
pub async fn add_task(
    req: &Request,
    board_id: i64,
    title: String,
    column: Option<String>,
) -> Result<TaskCard, MizanError> {
    slow_down(req).await;
    let title = self::title("title", &title)?;
    let card = store(req)?.add_card(board_id, title, column)?;
    announce(req, board_id, format!("added “{}”", card.title)).await;
    Ok(card)
}

/// Rewrites the description; replaces `task_detail` with no request.
#[mizan::client(merge = TaskCtx)]
pub async fn edit_description(
    req: &Request,
    task_id: i64,
    description: String,
) -> Result<TaskDetail, MizanError> {
    slow_down(req).await;
    let mut state = store(req)?;
    let task = state
        .tasks
        .get_mut(&task_id)
        .ok_or_else(|| MizanError::not_found(format!("There is no task {task_id}.")))?;
    task.detail.description = description.trim().to_owned();
    Ok(task.detail.clone())
}

/// Moves a card to another column. Invalidates `board;board_id=<board_id>`:
/// a client that shows that board gets it back with the reply (single-flight),
/// other pages showing it refetch it, in one request; other boards are left
/// alone. Only a card someone works on can go to the last column.
#[mizan::client(affects = BoardCtx)]
pub async fn move_task(
    req: &Request,
    board_id: i64,
    task_id: i64,
    column: String,
) -> Result<TaskCard, MizanError> {
    slow_down(req).await;
    let (card, text) = {
        let mut state = store(req)?;
        let heading = state.column_title(board_id, &column)?;
        state.task_on_board(board_id, task_id)?;
        state.check_done(board_id, state.task(task_id)?, &column)?;
        let task = state.task_on_board(board_id, task_id)?;
        task.card.column = column;
        let text = format!("moved “{}” to {heading}", task.card.title);
        (task.card.clone(), text)
    };
    announce(req, board_id, text).await;
    Ok(card)
}

/// Moves the card to the board's last column and records it on the task
/// (only a card someone works on). Invalidates that board and that task.
#[mizan::client(affects = [BoardCtx, TaskCtx])]
pub async fn complete_task(
    req: &Request,
    board_id: i64,
    task_id: i64,
) -> Result<TaskCard, MizanError> {
    slow_down(req).await;
    let (card, already) = {
        let mut state = store(req)?;
        let done = state
            .board(board_id)?
            .columns
            .last()
            .map(|c| c.id.clone())
            .ok_or_else(|| MizanError::internal("a board without columns"))?;
        state.task_on_board(board_id, task_id)?;
        state.check_done(board_id, state.task(task_id)?, &done)?;
        let task = state.task_on_board(board_id, task_id)?;
        let already = task.card.column == done;
        task.card.column = done;
        let card = task.card.clone();
        if !already {
            state.comment(task_id, "marked this done".into(), CommentKind::Activity);
        }
        (card, already)
    };
    if !already {
        announce(req, board_id, format!("completed “{}”", card.title)).await;
    }
    Ok(card)
}

/// Comments on a task as the signed-in member. Invalidates
/// `task;task_id=<task_id>`.
#[mizan::client(affects = TaskCtx)]
pub async fn add_comment(req: &Request, task_id: i64, body: String) -> Result<Comment, MizanError> {
    slow_down(req).await;
    let body = body.trim();
    if body.is_empty() {
        return Err(MizanError::invalid_field("body", "Write something first."));
    }
    let (comment, board_id, title) = {
        let mut state = store(req)?;
        let card = state.task(task_id)?.card.clone();
        let comment = state.comment(task_id, body.to_owned(), CommentKind::Comment);
        (comment, card.board_id, card.title)
    };
    announce(req, board_id, format!("commented on “{title}”")).await;
    Ok(comment)
}

// ---- wiring --------------------------------------------------------------

/// Every function above, validated as one graph.
pub fn registry() -> Result<Registry, mizan::RegistryError> {
    Registry::from_declarations()
}

/// The Mizan server with fresh seed state.
pub fn server() -> Result<Server, Box<dyn std::error::Error>> {
    server_with(Latency::default())
}

/// The Mizan server with fresh seed state, every call slowed by `latency`.
pub fn server_with(latency: Latency) -> Result<Server, Box<dyn std::error::Error>> {
    Ok(Server::builder()
        .registry(registry()?)
        .state(Store::default())
        .state(latency)
        .build()?)
}

/// The whole app: the API under `/api/mizan`, the board rendered on the
/// server at `/board/{board_id}` when there are `pages`, and the built UI
/// (`web_dir`, usually `web/dist`) for every other path (`/` is rendered by
/// the client).
pub fn app(server: Server, web_dir: &Path, pages: Option<Pages>) -> Router {
    let api = mizan::axum::routes(server);
    let api = match pages {
        Some(pages) => api.merge(mizan::ssr::axum::routes(pages)),
        None => api,
    };
    api.fallback_service(ServeDir::new(web_dir))
}

/// The server bundle `npm run build` writes next to `dist/` (the path is
/// from `dist/`): the module the render workers import, exporting `Page`.
pub const SERVER_BUNDLE: &str = "../dist-server/entry-server.js";

/// The board page, rendered on the server: `/board/{board_id}` reads
/// `global` and that board, fetched for the caller exactly as
/// `GET /ctx/` would fetch them, and the client hydrates from them without a
/// request. `web_dir` is the UI's build (`web/dist`): its client bundle,
/// linked from its Vite manifest, its server bundle ([`SERVER_BUNDLE`]),
/// and `@mizan/ssr` installed by npm above it (the worker). `workers`
/// Node processes render (default: one per core, at most 8), with React's
/// production build; they stop with [`Pages::shutdown`], or when the last
/// handle is dropped.
///
/// # Errors
/// When something of the above is missing (the message says which) or the
/// workers do not start.
pub async fn pages(
    server: Server,
    web_dir: &Path,
    workers: Option<usize>,
) -> Result<Pages, Box<dyn std::error::Error>> {
    let bundle = web_dir.join(SERVER_BUNDLE);
    if !bundle.is_file() {
        return Err(format!(
            "no server bundle at {} (build it: npm run build -w examples/taskboard/web)",
            bundle.display()
        )
        .into());
    }
    let worker = find_worker(web_dir).ok_or_else(|| {
        format!(
            "no node_modules/@mizan/ssr/dist/worker.js in {} or above (npm ci, then npm run build -w packages/ssr)",
            web_dir.display()
        )
    })?;
    let document = Document::vite(web_dir.join(".vite/manifest.json"), "index.html")?
        .title("Taskboard · Mizan demo");
    let mut config = PoolConfig::node(worker).env("NODE_ENV", "production");
    if let Some(workers) = workers {
        config = config.size(workers);
    }
    let pool = Pool::start(config).await?;
    let board = Page::new("/board/{board_id}", Component::react(bundle, "Page"))
        .reads("global")
        .reads("board");
    Ok(Pages::builder(server, pool, document).page(board).build()?)
}
