//! Generates the gRPC code for tfplugin6 and go-plugin's services.
//!
//! The .proto files are parsed by `protox` (a protobuf compiler written in
//! Rust), so building needs no system `protoc`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = ["proto/tfplugin6.proto", "proto/plugin.proto"];
    for proto in protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(protos, ["proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // RPCs we do not implement answer Unimplemented.
        .generate_default_stubs(true)
        .compile_fds(descriptors)?;
    Ok(())
}
