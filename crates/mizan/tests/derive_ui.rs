//! `#[derive(Mizan)]` rejects what it cannot describe, at the offending token
//! and with what to do instead. Regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p mizan --test derive_ui`, then read them.

#[test]
fn derive_errors_point_at_the_cause() {
    trybuild::TestCases::new().compile_fail("tests/ui/derive/*.rs");
}
