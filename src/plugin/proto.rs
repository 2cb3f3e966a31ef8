//! Generated protocol types: tfplugin6 and go-plugin's auxiliary services.

#[allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

#[allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]
pub mod goplugin {
    tonic::include_proto!("plugin");
}
