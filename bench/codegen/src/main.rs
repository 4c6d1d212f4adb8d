//! Times three readers of the same IR text and counts their allocations:
//!
//! - `mizan kdl`: `mizan_codegen::kdl::parse`, the generator's own reader of
//!   the KDL subset (a generic document, borrowing from the source);
//! - `mizan Ir`: `mizan_codegen::Ir::parse`, the same plus validation into the
//!   typed model (what `mizan-generate` runs);
//! - `kdl crate`: `kdl::KdlDocument` from `str::parse` (KDL v2, keeps
//!   formatting and spans for round-tripping).
//!
//! Prints a markdown table; ratios are `kdl crate` over `mizan kdl`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counts allocations so that "allocation-heavy" is a number, not a claim.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// An IR in canonical form with `n` functions: a quarter of them context
/// members, some mutations with `affects` and `merge`, one struct type per
/// four functions.
fn ir(n: usize) -> String {
    let mut s = String::from("mizan-ir version=1\n");
    let types = n.div_ceil(4);
    let contexts = n.div_ceil(20);
    for t in 0..types {
        let _ = write!(
            s,
            "type \"Type{t:05}\" {{\n    struct {{\n        field \"id\" {{ int }}\n        field \"name\" {{ string }}\n        field \"tags\" {{ list {{ string }} }}\n        field \"note\" optional=#true {{ optional {{ string }} }}\n    }}\n}}\n"
        );
    }
    for f in 0..n {
        let ty = f / 4;
        let member = f % 4 == 0;
        let ctx = (f / 4) % contexts;
        let _ = write!(s, "function \"fn_{f:05}\"");
        if member {
            let _ = write!(s, " context=\"ctx_{ctx:04}\"");
        } else if f % 7 == 0 {
            s.push_str(" auth=\"required\"");
        }
        s.push_str(" {\n    input {\n        param \"id\" { int }\n        param \"limit\" required=#false default=10 { int }\n    }\n");
        let _ = writeln!(s, "    output {{ list {{ ref \"Type{ty:05}\" }} }}");
        if !member && f % 3 == 0 {
            let _ = writeln!(s, "    affects context=\"ctx_{ctx:04}\"");
        }
        s.push_str("}\n");
    }
    for c in 0..contexts {
        let _ = write!(
            s,
            "context \"ctx_{c:04}\" {{\n    param \"id\" required=#true {{ int }}\n    param \"limit\" required=#false {{ int }}\n"
        );
        for f in (0..n).filter(|f| f % 4 == 0 && (f / 4) % contexts == c) {
            let _ = writeln!(s, "    member \"fn_{f:05}\"");
        }
        s.push_str("}\n");
    }
    s
}

struct Measure {
    median: Duration,
    allocs: u64,
    bytes: u64,
}

fn measure(runs: usize, mut f: impl FnMut()) -> Measure {
    f(); // warm-up
    let (a0, b0) = (ALLOCS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
    f();
    let allocs = ALLOCS.load(Ordering::Relaxed) - a0;
    let bytes = BYTES.load(Ordering::Relaxed) - b0;
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    Measure {
        median: times[times.len() / 2],
        allocs,
        bytes,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    println!("| functions | IR size | mizan kdl | mizan Ir (parse + validate) | kdl crate | time ratio | allocations (mizan kdl / kdl crate) | allocated bytes (mizan kdl / kdl crate) |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in [100, 1_000, 10_000] {
        let text = ir(n);
        // Both readers must accept the text, and ours must validate it.
        mizan_codegen::Ir::parse(&text).expect("the generated IR is valid");
        text.parse::<kdl::KdlDocument>().expect("the kdl crate accepts it");
        let runs = if n >= 10_000 { 11 } else { 31 };
        let ours = measure(runs, || {
            black_box(mizan_codegen::kdl::parse(black_box(&text)).ok());
        });
        let full = measure(runs, || {
            black_box(mizan_codegen::Ir::parse(black_box(&text)).ok());
        });
        let theirs = measure(runs, || {
            black_box(black_box(&text).parse::<kdl::KdlDocument>().ok());
        });
        println!(
            "| {n} | {} KiB | {} | {} | {} | {:.1}x | {} / {} ({:.1}x) | {:.1} / {:.1} MiB ({:.1}x) |",
            text.len() / 1024,
            ms(ours.median),
            ms(full.median),
            ms(theirs.median),
            theirs.median.as_secs_f64() / ours.median.as_secs_f64(),
            ours.allocs,
            theirs.allocs,
            theirs.allocs as f64 / ours.allocs.max(1) as f64,
            ours.bytes as f64 / 1048576.0,
            theirs.bytes as f64 / 1048576.0,
            theirs.bytes as f64 / ours.bytes.max(1) as f64,
        );
    }
}
