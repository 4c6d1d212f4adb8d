//! ../shared/spec/CACHE.md over HTTP on the fixture, with the in-memory backend:
//! `X-Mizan-Cache`, purges that are correct for every user, counters.

mod cache_support;

use cache_support::{Who, profile_name, race, start};
use mizan::cache::CacheStats;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn trending_is_a_hit_after_a_miss_with_the_same_bytes() {
    let fx = start().await;
    let first = fx.ctx(Who::Anonymous, "trending", "").await;
    assert_eq!(first.cache(), "MISS");
    let second = fx.ctx(Who::Anonymous, "trending", "").await;
    assert_eq!(second.cache(), "HIT");
    assert_eq!(first.body, second.body);
    assert_eq!(second.body, json!({"trending": {"message": "trending"}}));
}

#[tokio::test]
async fn random_value_bypasses_with_a_fresh_number_each_call() {
    let fx = start().await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let r = fx.ctx(Who::Anonymous, "random", "").await;
        assert_eq!(r.cache(), "BYPASS");
        seen.push(r.body["random_value"]["total"].as_i64().expect("a number"));
    }
    assert_eq!(seen, [1, 2, 3]);
    assert_eq!(fx.stats().bypasses, 3);
}

#[tokio::test]
async fn every_context_response_reports_the_cache_and_errors_are_not_cached() {
    let fx = start().await;
    for (name, query) in [
        ("global", ""),
        ("user", "user_id=1"),
        ("items", ""),
        ("search", "q=o"),
        ("versioned", "item_id=3"),
    ] {
        assert_eq!(fx.ctx(Who::Anonymous, name, query).await.cache(), "MISS");
        assert_eq!(fx.ctx(Who::User(1), name, query).await.cache(), "MISS");
        assert_eq!(fx.ctx(Who::Anonymous, name, query).await.cache(), "HIT");
    }
    // An unknown user is a 404 each time: errors are never stored.
    for _ in 0..2 {
        let missing = fx.ctx(Who::Anonymous, "user", "user_id=999").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.cache, None);
    }
}

#[tokio::test]
async fn undeclared_query_keys_neither_fragment_nor_dodge_a_purge() {
    let fx = start().await;
    assert_eq!(
        fx.ctx(Who::Anonymous, "user", "user_id=1").await.cache(),
        "MISS"
    );
    let junk = fx
        .ctx(Who::Anonymous, "user", "user_id=1&junk=x&_=123")
        .await;
    assert_eq!(junk.cache(), "HIT");
    fx.call(
        Who::User(1),
        "rename_user",
        json!({"user_id": 1, "name": "ally"}),
    )
    .await;
    let after = fx.ctx(Who::Anonymous, "user", "user_id=1&junk=y").await;
    assert_eq!((after.cache(), profile_name(&after)), ("MISS", "ally"));
}

#[tokio::test]
async fn rename_user_purges_user_1_while_user_2_stays_hit() {
    let fx = start().await;
    for id in [1, 2] {
        fx.ctx(Who::Anonymous, "user", &format!("user_id={id}"))
            .await;
        fx.ctx(Who::Anonymous, "user", &format!("user_id={id}&limit=2"))
            .await;
    }
    let reply = fx
        .call(
            Who::User(1),
            "rename_user",
            json!({"user_id": 1, "name": "ally"}),
        )
        .await;
    assert_eq!(
        reply["invalidate"],
        json!([{"context": "user", "params": {"user_id": 1}}])
    );
    for query in ["user_id=1", "user_id=1&limit=2"] {
        let r = fx.ctx(Who::Anonymous, "user", query).await;
        assert_eq!((r.cache(), profile_name(&r)), ("MISS", "ally"), "{query}");
    }
    for query in ["user_id=2", "user_id=2&limit=2"] {
        let r = fx.ctx(Who::Anonymous, "user", query).await;
        assert_eq!((r.cache(), profile_name(&r)), ("HIT", "bob"), "{query}");
    }
}

#[tokio::test]
async fn touch_users_purges_every_instance_of_user_only() {
    let fx = start().await;
    for id in 1..=4 {
        fx.ctx(Who::User(id), "user", &format!("user_id={id}"))
            .await;
    }
    fx.ctx(Who::Anonymous, "items", "").await;
    fx.call(Who::Anonymous, "touch_users", json!({})).await;
    for id in 1..=4 {
        let r = fx
            .ctx(Who::User(id), "user", &format!("user_id={id}"))
            .await;
        assert_eq!(r.cache(), "MISS", "user_id={id}");
    }
    assert_eq!(fx.ctx(Who::Anonymous, "items", "").await.cache(), "HIT");
}

#[tokio::test]
async fn a_mutation_by_one_user_refreshes_every_other_users_copy() {
    let fx = start().await;
    let readers = [Who::Anonymous, Who::User(2), Who::User(3), Who::User(1)];
    for who in readers {
        let r = fx.ctx(who, "user", "user_id=1").await;
        assert_eq!(profile_name(&r), "alice");
        assert_eq!(fx.ctx(who, "user", "user_id=1").await.cache(), "HIT");
    }
    // Alice renames herself; Bob, root and anonymous must not see their
    // stale copies (../shared/spec/CACHE.md "Invalidation must be correct for every user").
    fx.call(
        Who::User(1),
        "rename_user",
        json!({"user_id": 1, "name": "ally"}),
    )
    .await;
    for who in readers {
        let r = fx.ctx(who, "user", "user_id=1").await;
        assert_eq!((r.cache(), profile_name(&r)), ("MISS", "ally"), "{who:?}");
    }
}

#[tokio::test]
async fn merge_only_and_view_path_mutations_purge_the_origin_cache_too() {
    let fx = start().await;
    fx.ctx(Who::User(2), "user", "user_id=1").await;
    let reply = fx
        .call(
            Who::User(1),
            "rename_profile",
            json!({"user_id": 1, "name": "al"}),
        )
        .await;
    assert_eq!(
        reply["invalidate"],
        json!([]),
        "merge-only: nothing for clients"
    );
    let r = fx.ctx(Who::User(2), "user", "user_id=1").await;
    assert_eq!((r.cache(), profile_name(&r)), ("MISS", "al"));

    fx.ctx(Who::Anonymous, "items", "").await;
    assert_eq!(fx.ctx(Who::Anonymous, "items", "").await.cache(), "HIT");
    let hook = fx
        .http
        .post(format!("{}/webhooks/stripe/", fx.base))
        .send()
        .await
        .expect("the fixture answers");
    assert_eq!(hook.status(), StatusCode::NO_CONTENT);
    assert_eq!(fx.ctx(Who::Anonymous, "items", "").await.cache(), "MISS");
}

#[tokio::test]
async fn purge_user_drops_one_users_entries_everywhere() {
    let fx = start().await;
    let fetches = [
        (Who::User(1), "user", "user_id=1"),
        (Who::User(1), "global", ""),
        (Who::User(2), "user", "user_id=1"),
        (Who::Anonymous, "user", "user_id=1"),
    ];
    for (who, name, query) in fetches {
        fx.ctx(who, name, query).await;
    }
    fx.server.purge_user("1").await.expect("purge_user");
    let expected = ["MISS", "MISS", "HIT", "HIT"];
    for ((who, name, query), status) in fetches.into_iter().zip(expected) {
        assert_eq!(
            fx.ctx(who, name, query).await.cache(),
            status,
            "{who:?} {name}"
        );
    }
}

#[tokio::test]
async fn counters_are_exported_as_a_snapshot() {
    let fx = start().await;
    fx.ctx(Who::Anonymous, "trending", "").await;
    fx.ctx(Who::Anonymous, "trending", "").await;
    fx.ctx(Who::Anonymous, "random", "").await;
    fx.call(Who::Anonymous, "touch_users", json!({})).await;
    assert_eq!(
        fx.stats(),
        CacheStats {
            hits: 1,
            misses: 1,
            bypasses: 1,
            purges: 1,
            errors: 0,
            skipped: 0,
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_reads_and_mutations_leave_no_stale_entry() {
    race(&[std::sync::Arc::new(start().await)]).await;
}
