//! ../shared/spec/PROTOCOL.md §2 and ../shared/spec/MWT.md: identity resolution (MWT, then the cookie
//! session with CSRF, else anonymous), the `auth` rules, `mwt_obtain`.

mod common;

use afi_fixture::{DEFAULT_MWT_SECRET, Settings};
use common::{
    Caller, Fixture, MOUNT, b64url, mwt_config, segments, start, subject, token_for, unix_now,
};
use mizan::mwt::{MwtConfig, MwtKey};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn email(reply: &common::Reply) -> Value {
    reply.result()["email"].clone()
}

/// Sends `token` with a valid cookie session (alice, CSRF included)
/// alongside and checks that the token alone decides: 401 on `/call/` for an
/// authenticated and a public function, and on `/ctx/`.
async fn assert_refused_without_fallback(fx: &Fixture, token: String) {
    let csrf = fx.csrf_token().await;
    let both = || Caller::TokenAndSession {
        token: token.clone(),
        csrf: csrf.clone(),
    };
    for (name, args) in [("whoami", json!({})), ("echo", json!({"text": "hi"}))] {
        fx.call_as(both(), name, args)
            .await
            .expect_error(401, "UNAUTHORIZED");
    }
    let ctx = fx
        .send(both().apply(fx.request(Method::GET, &format!("{MOUNT}/ctx/global/"))))
        .await;
    ctx.expect_error(401, "UNAUTHORIZED");
    // The session alone is fine: the 401s above came from the token.
    let session = fx
        .call_as(Caller::session(1, &csrf), "whoami", json!({}))
        .await;
    assert_eq!(email(&session), json!("alice@example.com"));
}

#[tokio::test]
async fn valid_mwt_is_the_caller() {
    let fx = start().await;
    let reply = fx.call_as(Caller::user(1), "whoami", json!({})).await;
    assert_eq!(
        reply.result(),
        json!({"authenticated": true, "email": "alice@example.com"})
    );
    let ctx = fx
        .send(Caller::user(4).apply(fx.request(Method::GET, &format!("{MOUNT}/ctx/global/"))))
        .await;
    assert_eq!(
        ctx.json(),
        json!({"current_user": {"authenticated": true, "email": "carol@example.com"}})
    );
}

#[tokio::test]
async fn mwt_caller_needs_no_csrf() {
    let fx = start().await;
    // An unsafe call, no CSRF cookie or header at all.
    let reply = fx
        .call_as(
            Caller::user(1),
            "rename_user",
            json!({"user_id": 1, "name": "Alicia"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
}

#[tokio::test]
async fn tampered_mwt_is_unauthorized_without_fallback() {
    let fx = start().await;
    // root's header and claims under alice's signature.
    let [header, payload, _] = segments(&token_for(3)).map(str::to_owned);
    let [_, _, signature] = segments(&token_for(1)).map(str::to_owned);
    assert_refused_without_fallback(&fx, format!("{header}.{payload}.{signature}")).await;
    // One flipped signature character.
    let mut token = token_for(1);
    let last = if token.ends_with('A') { "B" } else { "A" };
    token.replace_range(token.len() - 1.., last);
    assert_refused_without_fallback(&fx, token).await;
}

#[tokio::test]
async fn mwt_signed_with_another_secret_is_unauthorized_without_fallback() {
    let fx = start().await;
    let forged = MwtConfig::new(MwtKey::new("k1", "not-the-fixture-secret-0123456789"))
        .mint(&subject(3), unix_now());
    assert_refused_without_fallback(&fx, forged).await;
}

#[tokio::test]
async fn expired_mwt_is_unauthorized_without_fallback() {
    let fx = start().await;
    // Issued two hours ago with the default 300 s lifetime.
    let expired = mwt_config().mint(&subject(1), unix_now() - 7200);
    assert_refused_without_fallback(&fx, expired).await;
}

#[tokio::test]
async fn mwt_not_yet_valid_is_unauthorized_without_fallback() {
    let fx = start().await;
    let future = mwt_config().mint(&subject(1), unix_now() + 7200);
    assert_refused_without_fallback(&fx, future).await;
}

#[tokio::test]
async fn mwt_with_an_unknown_kid_is_unauthorized_without_fallback() {
    let fx = start().await;
    let wrong_kid =
        MwtConfig::new(MwtKey::new("k2", DEFAULT_MWT_SECRET)).mint(&subject(1), unix_now());
    assert_refused_without_fallback(&fx, wrong_kid).await;
}

#[tokio::test]
async fn mwt_for_another_audience_is_unauthorized_without_fallback() {
    let fx = start().await;
    let other = mwt_config()
        .with_audience("another-app")
        .mint(&subject(1), unix_now());
    assert_refused_without_fallback(&fx, other).await;
}

#[tokio::test]
async fn mwt_with_alg_none_is_unauthorized_without_fallback() {
    let fx = start().await;
    let valid = token_for(1);
    let [header, payload, _] = segments(&valid);
    // The helper encodes like the minting side does.
    assert_eq!(header, b64url(br#"{"alg":"HS256","kid":"k1","typ":"JWT"}"#));
    let none = b64url(br#"{"alg":"none","kid":"k1","typ":"JWT"}"#);
    assert_refused_without_fallback(&fx, format!("{none}.{payload}.")).await;
    let none_no_kid = b64url(br#"{"alg":"none","typ":"JWT"}"#);
    assert_refused_without_fallback(&fx, format!("{none_no_kid}.{payload}.")).await;
}

#[tokio::test]
async fn malformed_mwt_is_unauthorized_without_fallback() {
    let fx = start().await;
    for garbage in ["", "not-a-token", "a.b", "a.b.c.d", "...."] {
        assert_refused_without_fallback(&fx, garbage.to_owned()).await;
    }
}

#[tokio::test]
async fn cookie_session_with_matching_csrf_is_the_caller() {
    let fx = start().await;
    let csrf = fx.csrf_token().await;
    let reply = fx
        .call_as(Caller::session(1, &csrf), "whoami", json!({}))
        .await;
    assert_eq!(email(&reply), json!("alice@example.com"));
}

#[tokio::test]
async fn cookie_session_without_csrf_header_is_forbidden() {
    let fx = start().await;
    let csrf = fx.csrf_token().await;
    let caller = Caller::Session {
        user_id: 1,
        csrf_cookie: Some(csrf),
        csrf_header: None,
    };
    fx.call_as(caller, "whoami", json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
}

#[tokio::test]
async fn cookie_session_with_mismatching_csrf_is_forbidden() {
    let fx = start().await;
    let csrf = fx.csrf_token().await;
    let other = fx.csrf_token().await;
    assert_ne!(csrf, other, "each /session/ without a cookie mints a token");
    let caller = Caller::Session {
        user_id: 1,
        csrf_cookie: Some(csrf),
        csrf_header: Some(other),
    };
    fx.call_as(caller, "whoami", json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
}

#[tokio::test]
async fn cookie_session_without_csrf_cookie_is_forbidden() {
    let fx = start().await;
    let csrf = fx.csrf_token().await;
    let caller = Caller::Session {
        user_id: 1,
        csrf_cookie: None,
        csrf_header: Some(csrf),
    };
    fx.call_as(caller, "whoami", json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
}

#[tokio::test]
async fn csrf_failure_blocks_the_mutation_before_it_runs() {
    let fx = start().await;
    let caller = Caller::Session {
        user_id: 1,
        csrf_cookie: None,
        csrf_header: None,
    };
    let reply = fx
        .call_as(
            caller,
            "rename_user",
            json!({"user_id": 1, "name": "Mallory"}),
        )
        .await;
    reply.expect_error(403, "FORBIDDEN");
    assert_eq!(reply.header("x-mizan-invalidate"), None);
    let bundle = fx.ctx("user", "user_id=1").await;
    assert_eq!(bundle.json()["user_profile"]["name"], json!("alice"));
}

#[tokio::test]
async fn view_path_unsafe_request_of_a_cookie_session_needs_csrf() {
    let fx = start().await;
    let bare = Caller::Session {
        user_id: 1,
        csrf_cookie: None,
        csrf_header: None,
    };
    let reply = fx
        .send(bare.apply(fx.request(Method::POST, "/webhooks/stripe/")))
        .await;
    reply.expect_error(403, "FORBIDDEN");
    assert_eq!(reply.header("x-mizan-invalidate"), None);
    let csrf = fx.csrf_token().await;
    let reply = fx
        .send(Caller::session(1, &csrf).apply(fx.request(Method::POST, "/webhooks/stripe/")))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{reply:?}");
}

#[tokio::test]
async fn cookie_session_needs_no_csrf_for_a_context_fetch() {
    let fx = start().await;
    let caller = Caller::Session {
        user_id: 2,
        csrf_cookie: None,
        csrf_header: None,
    };
    let reply = fx
        .send(caller.apply(fx.request(Method::GET, &format!("{MOUNT}/ctx/global/"))))
        .await;
    assert_eq!(
        reply.json(),
        json!({"current_user": {"authenticated": true, "email": "bob@example.com"}})
    );
}

#[tokio::test]
async fn auth_required_is_unauthorized_when_anonymous() {
    let fx = start().await;
    fx.call("whoami", json!({}))
        .await
        .expect_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn auth_staff_is_401_anonymous_403_without_the_role_200_with_it() {
    let fx = start().await;
    fx.call("staff_only", json!({}))
        .await
        .expect_error(401, "UNAUTHORIZED");
    fx.call_as(Caller::user(1), "staff_only", json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
    fx.call_as(Caller::user(4), "staff_only", json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
    for staff in [2, 3] {
        let reply = fx
            .call_as(Caller::user(staff), "staff_only", json!({}))
            .await;
        assert_eq!(reply.result(), json!({"message": "staff"}));
    }
}

#[tokio::test]
async fn auth_superuser_is_401_anonymous_403_without_the_role_200_with_it() {
    let fx = start().await;
    fx.call("superuser_only", json!({}))
        .await
        .expect_error(401, "UNAUTHORIZED");
    fx.call_as(Caller::user(2), "superuser_only", json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
    let reply = fx
        .call_as(Caller::user(3), "superuser_only", json!({}))
        .await;
    assert_eq!(reply.result(), json!({"message": "superuser"}));
}

#[tokio::test]
async fn auth_predicate_is_403_when_false_and_200_when_true() {
    let fx = start().await;
    let reply = fx
        .call_as(Caller::user(4), "can_edit_items", json!({}))
        .await;
    assert_eq!(reply.result(), json!({"message": "ok"}));
    fx.call_as(Caller::user(1), "can_edit_items", json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
    fx.call("can_edit_items", json!({}))
        .await
        .expect_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn auth_rules_are_the_same_for_a_cookie_session() {
    let fx = start().await;
    let csrf = fx.csrf_token().await;
    let reply = fx
        .call_as(Caller::session(2, &csrf), "staff_only", json!({}))
        .await;
    assert_eq!(reply.result(), json!({"message": "staff"}));
    fx.call_as(Caller::session(2, &csrf), "superuser_only", json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
    let reply = fx
        .call_as(Caller::session(4, &csrf), "can_edit_items", json!({}))
        .await;
    assert_eq!(reply.result(), json!({"message": "ok"}));
}

#[tokio::test]
async fn mwt_obtain_exchanges_a_session_for_a_working_token() {
    let fx = start().await;
    let csrf = fx.csrf_token().await;
    let reply = fx
        .call_as(Caller::session(2, &csrf), "mwt_obtain", json!({}))
        .await;
    let result = reply.result();
    let obj = result.as_object().expect("an object");
    assert_eq!(
        obj.keys().map(String::as_str).collect::<Vec<_>>(),
        ["expires_in", "token"]
    );
    assert_eq!(result["expires_in"], json!(300));
    let token = result["token"].as_str().expect("a token").to_owned();
    // A peer with the shared secret verifies it, roles included.
    let claims = mwt_config()
        .verify(&token, unix_now())
        .expect("the token verifies with the fixture's key");
    assert_eq!(claims.sub, "2");
    assert!(claims.staff && !claims.superuser);
    assert_eq!(claims.exp - claims.iat, 300);
    // And the fixture takes it back, staff role included.
    let whoami = fx
        .call_as(Caller::Token(token.clone()), "whoami", json!({}))
        .await;
    assert_eq!(email(&whoami), json!("bob@example.com"));
    let staff = fx
        .call_as(Caller::Token(token), "staff_only", json!({}))
        .await;
    assert_eq!(staff.result(), json!({"message": "staff"}));
}

#[tokio::test]
async fn mwt_obtain_is_unauthorized_for_anonymous_callers() {
    let fx = start().await;
    fx.call("mwt_obtain", json!({}))
        .await
        .expect_error(401, "UNAUTHORIZED");
}

#[test]
fn server_refuses_an_mwt_secret_equal_to_the_cache_secret() {
    let same = "one-secret-for-everything-0123456789".to_owned();
    let settings = Settings {
        mwt_secret: same.clone(),
        cache_secret: same,
        ..Settings::default()
    };
    assert!(afi_fixture::server(&settings).is_err());
    assert!(afi_fixture::server(&Settings::default()).is_ok());
}
