//! Error snapshots: every malformed IR under `tests/ir-errors/` is rejected
//! with a message that names the line, the column and the node, rendered
//! with the source line and a caret.

use std::path::Path;

use mizan_codegen::{Ir, Style, Target, emit};

fn render(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/ir-errors")
        .join(format!("{name}.kdl"));
    let src = std::fs::read_to_string(&path).expect("fixture exists");
    let origin = format!("{name}.kdl");
    let ir = match Ir::parse(&src) {
        Ok(ir) => ir,
        Err(e) => return e.render(&src, &origin, Style::PLAIN),
    };
    for target in [
        Target::Ts,
        Target::React {
            client: "./client".into(),
        },
        Target::Vue {
            client: "./client".into(),
        },
        Target::Svelte {
            client: "../client".into(),
        },
    ] {
        if let Err(e) = emit(&ir, &target) {
            return format!(
                "[target {}]\n{}",
                target.kind(),
                e.render(&src, &origin, Style::PLAIN)
            );
        }
    }
    panic!("{name}.kdl was accepted");
}

macro_rules! error_snapshots {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                insta::assert_snapshot!(stringify!($name), render(stringify!($name)));
            }
        )*

        /// Every file in `tests/ir-errors/` has a test above.
        #[test]
        fn every_error_fixture_is_tested() {
            let listed = [$(stringify!($name)),*];
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ir-errors");
            for entry in std::fs::read_dir(dir).expect("dir exists").flatten() {
                let name = entry.file_name().to_string_lossy().trim_end_matches(".kdl").to_string();
                assert!(listed.contains(&name.as_str()), "{name}.kdl has no test");
            }
        }
    };
}

error_snapshots!(
    bad_targets,
    bare_identifier_value,
    channel_hook_collision,
    duplicate_names,
    hook_collision,
    identifier_collision,
    missing_header,
    raw_string,
    unclosed_block,
    undeclared_type,
    unknown_member,
    unknown_node,
    unknown_property,
    unknown_shape,
    upload_output,
    wrong_version,
);
