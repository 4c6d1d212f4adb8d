//! The Mizan client generator.
//!
//! Reads the KDL IR a Mizan backend emits (`docs/ir.md`) and writes typed
//! clients: the `ts` target (types, and `createApi(client)`: one method per
//! RPC, per context and per channel, bound to the client it is given)
//! and the framework targets `react`, `vue` and `svelte` (providers and
//! hooks, the same names in each framework's idiom). The `mizan-generate`
//! binary drives it from a `mizan.toml`; see `docs/codegen.md`.
//!
//! ```
//! use mizan_codegen::{Ir, Target, emit};
//!
//! let ir = Ir::parse(
//!     "mizan-ir version=1\n\
//!      function \"add\" {\n    \
//!          input {\n        param \"a\" { int }\n        param \"b\" { int }\n    }\n    \
//!          output { int }\n\
//!      }\n",
//! )?;
//! let ts = emit(&ir, &Target::Ts)?.into_file().expect("ts is one file");
//! assert!(ts.contains("export function createApi(client: MizanClient) {"));
//! assert!(ts.contains("    callAdd(args: AddArgs): Promise<number> {"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod emit;
pub mod generate;
pub mod ir;
pub mod kdl;

pub use diagnostic::{Diagnostic, Diagnostics, Style};
pub use emit::{Emitted, Target, emit};
pub use ir::Ir;
