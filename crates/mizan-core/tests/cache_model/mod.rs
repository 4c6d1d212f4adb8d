//! A model-based test of the origin cache: random interleavings of reads
//! and mutations, by several users, across several cache instances sharing
//! one backend, checked against a reference model (../shared/spec/CACHE.md
//! "Invalidation must be correct for every user"): no read that starts
//! after a purge completed may return data older than that purge, and no
//! user is ever served a bundle computed for another.
//!
//! Shared by the memory backend's test (`tests/cache_model_memory.rs`) and the
//! Redis backend's (`mizan-redis/tests/cache_model.rs`).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use mizan_core::cache::OriginCache;
use mizan_core::graph::{Context, ContextParam};
use mizan_core::{CachePolicy, JsonText, Shape, Target};
use serde_json::{Map, Value, json};

const SECRET: &[u8] = b"model-test-cache-secret-0123456789";

/// xorshift64*: deterministic choices from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn context(name: &str, params: &[&str]) -> Context {
    Context {
        name: name.into(),
        params: params
            .iter()
            .map(|p| ContextParam {
                name: (*p).into(),
                shape: Shape::String,
                required: true,
            })
            .collect(),
        members: Vec::new(),
        bundle: Vec::new(),
        rev: 0,
        cache: CachePolicy::Default,
        socket_only: false,
    }
}

/// An instance: its context and its params (canonical strings).
type Instance = (String, BTreeMap<String, String>);

/// The "database" the bundles are computed from, and what the model knows.
#[derive(Default)]
struct Model {
    /// The current version of each instance's data.
    versions: HashMap<Instance, u64>,
    /// The version every read starting now must at least see: set once the
    /// purge of the mutation that wrote it completed.
    committed: HashMap<Instance, u64>,
}

/// What a run of an instance returns: who it ran for, what, which version.
fn bundle(user: Option<&str>, instance: &Instance, version: u64) -> JsonText {
    JsonText::from_value(&json!({
        "user": user,
        "context": instance.0,
        "params": instance.1,
        "version": version,
    }))
}

/// The figures of one model run.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Figures {
    pub(crate) reads: u64,
    pub(crate) hits: u64,
    pub(crate) mutations: u64,
    pub(crate) stale: u64,
    pub(crate) leaks: u64,
}

/// Runs `steps` random operations (in concurrent batches) over `caches`,
/// which must share one backend, and returns what happened.
pub(crate) async fn run(caches: Vec<OriginCache>, seed: u64, steps: usize) -> Figures {
    let contexts = Arc::new(vec![
        context("board", &["board_id"]),
        context("inbox", &["tab", "user_id"]),
    ]);
    let values: [&[&str]; 3] = [&["1", "2", "3"], &["a", "b"], &["1", "2"]];
    let model = Arc::new(Mutex::new(Model::default()));
    let figures = Arc::new(Mutex::new(Figures::default()));
    let hits = Arc::new(AtomicU64::new(0));
    let caches = Arc::new(caches);
    let mut rng = Rng(seed.max(1));
    let users = [None, Some("1"), Some("2"), Some("3")];
    let mut done = 0;
    while done < steps {
        let mut batch = Vec::new();
        for _ in 0..8 {
            done += 1;
            let cache = caches[rng.below(caches.len())].clone();
            let which = rng.below(contexts.len());
            let ctx = contexts[which].clone();
            let instance: Instance = match which {
                0 => (
                    "board".into(),
                    [("board_id".to_owned(), values[0][rng.below(3)].to_owned())].into(),
                ),
                _ => (
                    "inbox".into(),
                    [
                        ("tab".to_owned(), values[1][rng.below(2)].to_owned()),
                        ("user_id".to_owned(), values[2][rng.below(2)].to_owned()),
                    ]
                    .into(),
                ),
            };
            let model = model.clone();
            let figures = figures.clone();
            let hits = hits.clone();
            if rng.below(10) < 7 {
                let user = users[rng.below(users.len())];
                batch.push(tokio::spawn(async move {
                    read(cache, ctx, instance, user, model, figures, hits).await;
                }));
            } else {
                // A scope: broad, or any subset of the instance's params.
                let scope: BTreeMap<String, String> = instance
                    .1
                    .iter()
                    .filter(|_| rng.below(2) == 0)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let context_name = instance.0.clone();
                batch.push(tokio::spawn(async move {
                    mutate(cache, &context_name, scope, model, figures).await;
                }));
            }
        }
        for task in batch {
            task.await
                .unwrap_or_else(|e| panic!("a model task failed: {e}"));
        }
    }
    let mut figures = std::mem::take(&mut *figures.lock().unwrap_or_else(|e| e.into_inner()));
    figures.hits = hits.load(Ordering::Relaxed);
    figures
}

async fn read(
    cache: OriginCache,
    ctx: Context,
    instance: Instance,
    user: Option<&'static str>,
    model: Arc<Mutex<Model>>,
    figures: Arc<Mutex<Figures>>,
    hits: Arc<AtomicU64>,
) {
    let required = {
        let model = model.lock().unwrap_or_else(|e| e.into_inner());
        model.committed.get(&instance).copied().unwrap_or(0)
    };
    let values: Map<String, Value> = instance
        .1
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.clone())))
        .collect();
    let run = {
        let model = model.clone();
        let instance = instance.clone();
        async move {
            tokio::task::yield_now().await;
            let version = model
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .versions
                .get(&instance)
                .copied()
                .unwrap_or(0);
            tokio::task::yield_now().await;
            Ok(bundle(user, &instance, version))
        }
    };
    let (served, status) = cache
        .fetch(SECRET, &ctx, &values, user, run)
        .await
        .unwrap_or_else(|e| panic!("a fetch failed: {e}"));
    if status == mizan_core::CacheStatus::Hit {
        hits.fetch_add(1, Ordering::Relaxed);
    }
    let served = served.to_value();
    let mut figures = figures.lock().unwrap_or_else(|e| e.into_inner());
    figures.reads += 1;
    if served["user"] != json!(user)
        || served["context"] != json!(instance.0)
        || served["params"] != json!(instance.1)
    {
        figures.leaks += 1;
    }
    if served["version"].as_u64().unwrap_or(0) < required {
        figures.stale += 1;
    }
}

async fn mutate(
    cache: OriginCache,
    context: &str,
    scope: BTreeMap<String, String>,
    model: Arc<Mutex<Model>>,
    figures: Arc<Mutex<Figures>>,
) {
    // Write the data first, then purge — what a mutation does.
    let written: Vec<(Instance, u64)> = {
        let mut model = model.lock().unwrap_or_else(|e| e.into_inner());
        let all = all_instances(context);
        let hit: Vec<Instance> = all
            .into_iter()
            .filter(|(_, params)| scope.iter().all(|(k, v)| params.get(k) == Some(v)))
            .collect();
        hit.into_iter()
            .map(|instance| {
                let version = model.versions.entry(instance.clone()).or_insert(0);
                *version += 1;
                (instance, *version)
            })
            .collect()
    };
    tokio::task::yield_now().await;
    let target = scope.iter().fold(Target::broad(context), |t, (k, v)| {
        t.with_param(k.clone(), v.clone())
    });
    cache
        .purge(SECRET, &[target])
        .await
        .unwrap_or_else(|e| panic!("a purge failed: {e}"));
    let mut model = model.lock().unwrap_or_else(|e| e.into_inner());
    for (instance, version) in written {
        let committed = model.committed.entry(instance).or_insert(0);
        *committed = (*committed).max(version);
    }
    figures.lock().unwrap_or_else(|e| e.into_inner()).mutations += 1;
}

fn all_instances(context: &str) -> Vec<Instance> {
    match context {
        "board" => ["1", "2", "3"]
            .iter()
            .map(|b| {
                (
                    "board".to_owned(),
                    [("board_id".to_owned(), (*b).to_owned())].into(),
                )
            })
            .collect(),
        _ => ["a", "b"]
            .iter()
            .flat_map(|tab| {
                ["1", "2"].iter().map(move |u| {
                    (
                        "inbox".to_owned(),
                        [
                            ("tab".to_owned(), (*tab).to_owned()),
                            ("user_id".to_owned(), (*u).to_owned()),
                        ]
                        .into(),
                    )
                })
            })
            .collect(),
    }
}
