//! Pages over real HTTP: a Mizan server of real functions, its pages
//! rendered by real Node workers, requested with reqwest. The contexts a
//! page reads go through the same path as `/ctx/` (identity, `auth`, the
//! origin cache, errors), and the document carries them, escaped.
#![allow(missing_docs, unreachable_pub)]

mod support;

use std::path::PathBuf;

use mizan::prelude::*;
use mizan::{Identity, OriginCache, Registry, Server};
use mizan_ssr::{Document, Page, Pages, Pool};
use serde_json::{Value, json};
use support::{component, config};

/// Every character that could end a script, open a comment or break a line.
const HOSTILE: &str = "</script><script>alert(1)</script><!-- \u{2028}\u{2029} & \"q\" </SCRIPT ";

#[derive(Serialize, Deserialize, Mizan)]
pub struct Task {
    pub id: i64,
    pub title: String,
}

#[mizan::context("board")]
pub struct BoardCtx;

#[mizan::context("secret")]
pub struct SecretCtx;

#[mizan::client(context = "global")]
pub async fn whoami(req: &Request) -> Result<String, MizanError> {
    Ok(req.identity().map_or("a guest", |id| id.id()).to_owned())
}

#[mizan::client(context = BoardCtx)]
pub async fn board_tasks(board_id: i64) -> Result<Vec<Task>, MizanError> {
    if board_id != 1 {
        return Err(MizanError::not_found(format!(
            "There is no board {board_id}."
        )));
    }
    Ok(vec![
        Task {
            id: 1,
            title: "Ship it".into(),
        },
        Task {
            id: 2,
            title: HOSTILE.into(),
        },
    ])
}

#[mizan::client(context = SecretCtx, auth = "staff")]
pub async fn secret_notes() -> Vec<String> {
    vec!["the staff room".into()]
}

fn server() -> Server {
    Server::builder()
        .registry(Registry::from_declarations().expect("registry"))
        .cache_secret(b"a secret for the origin cache, 32+".to_vec())
        .cache(OriginCache::memory())
        .bearer(|token: String| async move {
            match token.as_str() {
                "staff" => Ok(Identity::new("Grace").staff(true)),
                "member" => Ok(Identity::new("Ada")),
                _ => Err(MizanError::unauthorized("unknown token")),
            }
        })
        .build()
        .expect("server")
}

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/components/manifest.json")
}

struct App {
    url: String,
    server: Server,
    pages: Pages,
}

async fn start(error_page: bool) -> App {
    let server = server();
    let pool = Pool::start(config().size(1)).await.expect("pool");
    let document = Document::vite(manifest(), "index.html")
        .expect("manifest")
        .title("Tests");
    let mut builder = Pages::builder(server.clone(), pool, document)
        .page(
            Page::new("/board/{board_id}", component("Board"))
                .title("Board")
                .reads("global")
                .reads("board"),
        )
        .page(Page::new("/props/{text}", component("Props")).reads("global"))
        .page(
            Page::new("/secret", component("Echo"))
                .reads("global")
                .reads("secret"),
        )
        .page(Page::new("/broken", component("Throws")).reads("global"));
    if error_page {
        builder = builder.error_page(component("ErrorPage"));
    }
    let pages = builder.build().expect("pages");
    let app = mizan::axum::routes(server.clone()).merge(mizan_ssr::axum::routes(pages.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(mizan::axum::serve(listener, app));
    App { url, server, pages }
}

struct Reply {
    status: u16,
    render: String,
    body: String,
}

async fn get(url: &str, token: Option<&str>) -> Reply {
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("response");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(header("content-type"), "text/html; charset=utf-8");
    assert_eq!(header("cache-control"), "no-store");
    let render = header("x-mizan-render");
    let status = response.status().as_u16();
    Reply {
        status,
        render,
        body: response.text().await.expect("body"),
    }
}

/// The text of the hydration data's script, as it stands in the page.
fn data_script(html: &str) -> &str {
    let start = html
        .find("<script>window.__MIZAN_SSR_DATA__=")
        .expect("a data script")
        + "<script>window.__MIZAN_SSR_DATA__=".len();
    let end = html[start..].find("</script>").expect("its end") + start;
    &html[start..end]
}

fn hydration_data(html: &str) -> Value {
    serde_json::from_str(data_script(html)).expect("the data is JSON")
}

/// The content of `<div id="mizan-root">`.
fn root(html: &str) -> &str {
    let start = html.find("<div id=\"mizan-root\">").expect("a root") + 21;
    let end = html.rfind("</div>").expect("its end");
    &html[start..end]
}

#[tokio::test]
async fn a_page_is_rendered_with_its_contexts_and_carries_them_for_hydration() {
    let app = start(true).await;
    let page = get(&format!("{}/board/1", app.url), Some("member")).await;
    assert_eq!((page.status, page.render.as_str()), (200, "server"));
    assert!(
        page.body
            .starts_with("<!doctype html><html lang=\"en\"><head>")
    );
    assert!(page.body.contains("<title>Board</title>"));
    assert!(
        page.body
            .contains(r#"<script type="module" crossorigin src="/assets/index-A1.js"></script>"#)
    );
    assert!(
        page.body
            .contains(r#"<link rel="stylesheet" href="/assets/index-D3.css">"#)
    );
    let html = root(&page.body);
    assert!(
        html.starts_with(
            "<header>Signed in as Ada</header><ul data-status=\"success\"><li>Ship it</li>"
        ),
        "{html}"
    );
    assert!(html.ends_with("<footer>/board/1</footer>"), "{html}");
    // The data is what /ctx/ answers this caller, keyed as the client keys its instances.
    let fetched = |path: &str| {
        let url = format!("{}/api/mizan/ctx/{path}", app.url);
        async move {
            let reply = reqwest::Client::new()
                .get(url)
                .bearer_auth("member")
                .send()
                .await
                .expect("fetch");
            reply.json::<Value>().await.expect("json")
        }
    };
    assert_eq!(
        hydration_data(&page.body),
        json!({
            "contexts": {
                "board;board_id=1": fetched("board/?board_id=1").await,
                "global": fetched("global/").await,
            },
            "props": {"params": {"board_id": "1"}, "url": "/board/1"},
        })
    );
    assert_eq!(app.pages.pool().stats().renders, 1);
}

#[tokio::test]
async fn hostile_values_cannot_leave_the_data_script_nor_the_markup() {
    let app = start(true).await;
    let text = "%3C%2Fscript%3E%3C!--%E2%80%A8%E2%80%A9%26";
    let page = get(&format!("{}/props/{text}?q=%3C%2Fscript%3E", app.url), None).await;
    assert_eq!(page.status, 200);
    let board = get(&format!("{}/board/1", app.url), None).await;
    for page in [&page, &board] {
        let script = data_script(&page.body);
        for bad in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
            assert!(
                !script.contains(bad),
                "{bad:?} in the data script: {script}"
            );
        }
        // One module script in the head, the data script at the end: nothing else.
        assert_eq!(page.body.matches("<script").count(), 2, "{}", page.body);
        assert_eq!(page.body.matches("</script>").count(), 2, "{}", page.body);
    }
    // Read back, the values are what they were.
    let props = hydration_data(&page.body);
    assert_eq!(
        props["props"]["params"]["text"],
        "</script><!--\u{2028}\u{2029}&"
    );
    assert_eq!(
        props["props"]["url"],
        format!("/props/{text}?q=%3C%2Fscript%3E")
    );
    let tasks = &hydration_data(&board.body)["contexts"]["board;board_id=1"]["board_tasks"];
    assert_eq!(tasks[1]["title"], HOSTILE);
    // And React wrote them as text.
    assert!(
        root(&board.body).contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- ")
    );
    assert!(!root(&board.body).contains("<script"));
}

#[tokio::test]
async fn a_context_the_caller_may_not_read_answers_its_status_with_the_error_page() {
    let app = start(true).await;
    for (token, status, code) in [
        (None, 401, "UNAUTHORIZED"),
        (Some("member"), 403, "FORBIDDEN"),
    ] {
        let page = get(&format!("{}/secret", app.url), token).await;
        assert_eq!((page.status, page.render.as_str()), (status, "error"));
        assert!(
            root(&page.body).starts_with(&format!("<h1>{status} {code}</h1>")),
            "{}",
            page.body
        );
        // Nothing of what the page would have read, and no client to hydrate it.
        assert!(!page.body.contains("__MIZAN_SSR_DATA__"));
        assert!(!page.body.contains("<script"));
        assert!(!page.body.contains("the staff room"));
    }
    let staff = get(&format!("{}/secret", app.url), Some("staff")).await;
    assert_eq!(staff.status, 200);
    assert!(data_script(&staff.body).contains("the staff room"));
}

#[tokio::test]
async fn a_context_error_answers_its_status_and_message() {
    let app = start(false).await;
    let missing = get(&format!("{}/board/9", app.url), None).await;
    assert_eq!((missing.status, missing.render.as_str()), (404, "error"));
    // Without an error page of the app's: a plain one.
    assert_eq!(
        root(&missing.body),
        "<main class=\"mizan-error\"><h1>404 Not Found</h1><p>There is no board 9.</p></main>"
    );
    let bad = get(&format!("{}/board/nine", app.url), None).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("expected an integer"), "{}", bad.body);
}

#[tokio::test]
async fn a_page_whose_render_fails_goes_out_with_its_data_for_the_client_to_render() {
    let app = start(true).await;
    let page = get(&format!("{}/broken", app.url), None).await;
    assert_eq!((page.status, page.render.as_str()), (200, "client"));
    assert_eq!(root(&page.body), "");
    assert_eq!(
        hydration_data(&page.body)["contexts"]["global"],
        json!({"whoami": "a guest"})
    );
    assert!(page.body.contains(r#"src="/assets/index-A1.js""#));
}

#[tokio::test]
async fn the_contexts_of_a_page_go_through_the_origin_cache() {
    let app = start(true).await;
    let cache = app.server.cache().expect("a cache");
    get(&format!("{}/board/1", app.url), Some("member")).await;
    let first = cache.stats();
    get(&format!("{}/board/1", app.url), Some("member")).await;
    let second = cache.stats();
    assert_eq!(
        second.hits - first.hits,
        2,
        "both instances served from the cache"
    );
    assert_eq!(second.misses, first.misses);
}

#[test]
fn a_page_is_checked_against_the_registry_when_built() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let pool = runtime
        .block_on(Pool::start(config().size(1)))
        .expect("pool");
    let build = |page: Page| {
        Pages::builder(server(), pool.clone(), Document::new())
            .page(page)
            .build()
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    assert_eq!(
        build(Page::new("/b", component("Board")).reads("board")),
        Err("page `/b`: it reads `board`, whose parameter `board_id` is required, but the route has no `{board_id}` and the page gives no value (Page::reads_with)".into())
    );
    assert_eq!(
        build(Page::new("/b", component("Board")).reads("boards")),
        Err("page `/b`: it reads `boards`, which is not a context; the contexts are: board, global, secret".into())
    );
    assert_eq!(
        build(Page::new("/b", component("Board")).reads_with("board", [("board", 1)])),
        Err("page `/b`: it gives `board` to `board`, which has no such parameter".into())
    );
    assert_eq!(
        build(Page::new("/b", component("Board")).reads_with("board", [("board_id", 1)])),
        Ok(())
    );
    runtime.block_on(pool.shutdown());
}
