//! View-path routes (PROTOCOL.md §3.4): a raw response that still takes part
//! in the invalidation graph.

use std::collections::{BTreeMap, HashMap};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, Uri, header};
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter, on};
use mizan_core::invalidation::{INVALIDATE_HEADER, format_header};
use mizan_core::{MizanError, Server, Transport};

use crate::body;
use crate::context::query_pairs;
use crate::response::{NO_STORE, error_response, method_not_allowed};

pub(crate) fn method_router(name: &str, methods: &[String]) -> MethodRouter<Server> {
    let filter = methods
        .iter()
        .filter_map(|m| Method::from_bytes(m.as_bytes()).ok())
        .filter_map(|m| MethodFilter::try_from(m).ok())
        .reduce(MethodFilter::or)
        .unwrap_or(MethodFilter::GET);
    let name = name.to_owned();
    on(filter, move |state, path, method, uri, headers, body| {
        let name = name.clone();
        async move { view(state, path, method, uri, headers, body, &name).await }
    })
    .fallback(method_not_allowed)
}

async fn view(
    State(server): State<Server>,
    Path(path): Path<HashMap<String, String>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
    name: &str,
) -> Response {
    match run(&server, path, &method, &uri, headers, body, name).await {
        Ok(resp) => resp,
        // The envelope carries `Cache-Control: no-store` already.
        Err(err) => error_response(err, server.debug()),
    }
}

async fn run(
    server: &Server,
    path: HashMap<String, String>,
    method: &Method,
    uri: &Uri,
    headers: HeaderMap,
    body: Body,
    name: &str,
) -> Result<Response, MizanError> {
    let bytes = body::read(&headers, body, server.body_limit()).await?;
    let identity = server.authenticate(&headers).await?;
    if !method.is_safe() {
        server.check_csrf(identity.as_ref(), &headers)?;
    }
    let mut params: BTreeMap<String, String> = query_pairs(uri);
    params.extend(path.clone());
    let req = server
        .request(identity, headers, Transport::Http)
        .with_body(bytes)
        .with_path_params(path.into_iter().collect());
    let (view, targets) = server.view(req, name, params).await?;
    let mut resp = Response::new(Body::from(view.body));
    *resp.status_mut() = view.status;
    *resp.headers_mut() = view.headers;
    resp.headers_mut().insert(header::CACHE_CONTROL, NO_STORE);
    if !targets.is_empty() {
        if let Ok(value) = HeaderValue::from_str(&format_header(&targets)) {
            resp.headers_mut().insert(INVALIDATE_HEADER, value);
        }
    }
    Ok(resp)
}
