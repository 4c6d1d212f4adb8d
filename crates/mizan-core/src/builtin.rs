//! Built-in server functions.

use serde_json::json;

use crate::args::Args;
use crate::clock::unix_now;
use crate::error::MizanError;
use crate::function::{Auth, FunctionDef, Handler, Signature};
use crate::json::JsonText;
use crate::mwt::{MwtConfig, MwtSubject};
use crate::request::Request;
use crate::shape::{Field, Shape, TypeDef, TypeSet};

/// Wire name of the MWT exchange.
pub const MWT_OBTAIN: &str = "mwt_obtain";

fn mwt_obtain_signature(types: &mut TypeSet) -> Signature {
    let output = types.define("MwtToken", "mizan_core::builtin::MwtToken", |_| {
        TypeDef::Struct(vec![
            Field {
                name: "expires_in".into(),
                shape: Shape::Int,
                optional: false,
            },
            Field {
                name: "token".into(),
                shape: Shape::String,
                optional: false,
            },
        ])
    });
    Signature {
        params: Vec::new(),
        output: Some(output),
    }
}

/// `mwt_obtain` (../shared/spec/MWT.md): exchanges an authenticated caller (a cookie session,
/// typically) for an MWT `{"expires_in": ttl, "token": "..."}`.
/// Anonymous callers get `401`.
pub fn mwt_obtain() -> FunctionDef {
    let mut def = FunctionDef::new(
        MWT_OBTAIN,
        mwt_obtain_signature,
        Handler::data(|req: Request, mut args: Args| async move {
            args.finish()?;
            let identity = req.require_identity()?;
            let config = req.service::<MwtConfig>().ok_or_else(|| {
                MizanError::internal("mwt_obtain is registered but MWT is not configured")
            })?;
            let subject = MwtSubject::new(identity.id())
                .with_staff(identity.is_staff())
                .with_superuser(identity.is_superuser())
                .with_perms(identity.permissions());
            let token = config.mint(&subject, unix_now());
            Ok(JsonText::from_value(
                &json!({ "expires_in": config.ttl().as_secs(), "token": token }),
            ))
        }),
    );
    def.rust_path = "mizan_core::builtin::mwt_obtain".into();
    def.auth = Auth::Required;
    def
}
