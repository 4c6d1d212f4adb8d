//! `mizan-generate`: writes typed clients from the Mizan IR. See
//! `docs/codegen.md` or `mizan-generate --help`.

fn main() {
    std::process::exit(mizan_codegen::cli::run(std::env::args_os().skip(1)));
}
