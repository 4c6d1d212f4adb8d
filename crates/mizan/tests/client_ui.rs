//! Misuse of `#[mizan::client]` is a compile error that points at the
//! offending token.

#[test]
fn client_misuse_is_a_compile_error() {
    trybuild::TestCases::new().compile_fail("tests/ui/client/*.rs");
}
