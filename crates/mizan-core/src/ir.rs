//! The canonical KDL IR writer (`docs/ir.md`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

use crate::canonical::js_number_to_string;
use crate::function::{CachePolicy, Handler};
use crate::graph::{Context, Function, RegisteredChannel};
use crate::kdl::string_literal;
use crate::registry::Registry;
use crate::shape::{Shape, TypeDef};

impl Registry {
    /// The canonical IR of this registry: byte-identical for the same
    /// functions, whatever the registration order.
    pub fn build_ir(&self) -> String {
        let mut w = Writer::default();
        w.line("mizan-ir version=1");
        for (name, def) in self.types().iter() {
            if self.reachable_types().contains(name) {
                write_type(&mut w, name, def);
            }
        }
        for func in self.functions() {
            write_function(&mut w, func);
        }
        for ctx in self.contexts() {
            write_context(&mut w, ctx);
        }
        for channel in self.channels() {
            write_channel(&mut w, channel);
        }
        w.out
    }

    /// Names of the types reachable from some function's input or output.
    pub fn reachable_types(&self) -> BTreeSet<&str> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&str> = Vec::new();
        for func in self.functions() {
            for p in &func.params {
                p.shape.refs(&mut stack);
            }
            if let Some(out) = &func.output {
                out.refs(&mut stack);
            }
        }
        for channel in self.channels() {
            for p in &channel.params {
                p.shape.refs(&mut stack);
            }
            channel.send.refs(&mut stack);
            channel.message.refs(&mut stack);
        }
        while let Some(name) = stack.pop() {
            if !seen.insert(name) {
                continue;
            }
            match self.types().get(name) {
                Some(TypeDef::Struct(fields)) => {
                    fields.iter().for_each(|f| f.shape.refs(&mut stack))
                }
                Some(TypeDef::Alias(shape)) => shape.refs(&mut stack),
                Some(TypeDef::Enum(_)) | None => {}
            }
        }
        seen
    }
}

#[derive(Default)]
struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn line(&mut self, text: &str) {
        for _ in 0..self.depth {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }
    fn open(&mut self, head: &str) {
        self.line(&format!("{head} {{"));
        self.depth += 1;
    }
    fn close(&mut self) {
        self.depth -= 1;
        self.line("}");
    }
}

/// A KDL value for a parameter default (scalars only).
fn kdl_value(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("#null".into()),
        Value::Bool(b) => Some(if *b { "#true" } else { "#false" }.into()),
        Value::String(s) => Some(string_literal(s)),
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64()?;
            let text = js_number_to_string(x);
            Some(if text.contains(['.', 'e']) {
                text
            } else {
                format!("{text}.0")
            })
        }
        Value::Number(n) => Some(n.to_string()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

fn write_type(w: &mut Writer, name: &str, def: &TypeDef) {
    w.open(&format!("type {}", string_literal(name)));
    match def {
        TypeDef::Struct(fields) => {
            if fields.is_empty() {
                w.line("struct");
            } else {
                w.open("struct");
                for f in fields {
                    let opt = if f.optional { " optional=#true" } else { "" };
                    w.line(&format!(
                        "field {}{opt} {{ {} }}",
                        string_literal(&f.name),
                        &f.shape
                    ));
                }
                w.close();
            }
        }
        TypeDef::Enum(variants) => w.line(&Shape::Enum(variants.clone()).to_string()),
        TypeDef::Alias(shape) => w.line(&format!("alias {{ {} }}", shape)),
    }
    w.close();
}

fn write_function(w: &mut Writer, func: &Function) {
    let def = &func.def;
    let mut head = format!("function {}", string_literal(&def.name));
    if let Some(ctx) = &def.context {
        let _ = write!(head, " context={}", string_literal(ctx));
    }
    if let Some(auth) = def.auth.ir_name() {
        let _ = write!(head, " auth={}", string_literal(auth));
    }
    if def.private {
        head.push_str(" private=#true");
    }
    if func.is_view() {
        head.push_str(" view=#true");
    }
    if def.socket_only {
        head.push_str(" transport=\"websocket\"");
    }
    if def.rev > 0 {
        let _ = write!(head, " rev={}", def.rev);
    }
    match def.cache {
        CachePolicy::Default => {}
        CachePolicy::Ttl(ttl) => {
            let _ = write!(head, " cache={ttl}");
        }
        CachePolicy::Never => head.push_str(" cache=#false"),
    }
    w.open(&head);
    if !func.params.is_empty() {
        w.open("input");
        for p in &func.params {
            let mut line = format!("param {}", string_literal(&p.name));
            if !p.required {
                line.push_str(" required=#false");
            }
            if let Some(text) = p.default.as_ref().and_then(kdl_value) {
                let _ = write!(line, " default={text}");
            }
            let _ = write!(line, " {{ {} }}", &p.shape);
            w.line(&line);
        }
        w.close();
    }
    if let Some(out) = &func.output {
        w.line(&format!("output {{ {} }}", out));
    }
    for target in &func.affects {
        let mut line = format!("affects context={}", string_literal(&target.context));
        if let Some(f) = &target.function {
            let _ = write!(line, " function={}", string_literal(f));
        }
        w.line(&line);
    }
    if let Some(m) = &func.merge {
        let mut line = format!(
            "merge context={} slot={} mode={}",
            string_literal(&m.context),
            string_literal(&m.slot),
            string_literal(m.mode.as_str())
        );
        if let Some(key) = &m.key {
            let _ = write!(line, " key={}", string_literal(key));
        }
        w.line(&line);
    }
    if let Handler::View { route, methods, .. } = &def.handler {
        let mut methods = methods.clone();
        methods.sort();
        methods.dedup();
        w.open(&format!("route {}", string_literal(route)));
        for m in methods {
            w.line(&format!("method {}", string_literal(&m)));
        }
        w.close();
    }
    w.close();
}

fn write_context(w: &mut Writer, ctx: &Context) {
    let mut head = format!("context {}", string_literal(&ctx.name));
    if ctx.socket_only {
        head.push_str(" transport=\"websocket\"");
    }
    w.open(&head);
    for p in &ctx.params {
        let required = if p.required { "#true" } else { "#false" };
        w.line(&format!(
            "param {} required={required} {{ {} }}",
            string_literal(&p.name),
            &p.shape
        ));
    }
    for m in &ctx.members {
        w.line(&format!("member {}", string_literal(m)));
    }
    w.close();
}

fn write_channel(w: &mut Writer, channel: &RegisteredChannel) {
    w.open(&format!("channel {}", string_literal(&channel.def.name)));
    for p in &channel.params {
        let required = if p.required { "#true" } else { "#false" };
        w.line(&format!(
            "param {} required={required} {{ {} }}",
            string_literal(&p.name),
            &p.shape
        ));
    }
    w.line(&format!("send {{ {} }}", channel.send));
    w.line(&format!("message {{ {} }}", channel.message));
    w.close();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_defaults_stay_floats() {
        assert_eq!(kdl_value(&serde_json::json!(1.0)).as_deref(), Some("1.0"));
        assert_eq!(kdl_value(&serde_json::json!(0.5)).as_deref(), Some("0.5"));
        assert_eq!(kdl_value(&serde_json::json!(10)).as_deref(), Some("10"));
    }
}
