//! terraform-provider-proton: started by Terraform as a plugin.
//!
//! `--debug` runs it standalone for a debugger; it then prints the
//! `TF_REATTACH_PROVIDERS` value to attach Terraform with. `--version`
//! prints the version and exits, whoever starts it.

use std::process::ExitCode;
use std::sync::Arc;

use terraform_provider_proton::plugin::{logging, serve};
use terraform_provider_proton::provider::{ProtonProvider, PROVIDER_ADDRESS};

fn main() -> ExitCode {
    let flag = |names: [&str; 2]| {
        std::env::args()
            .skip(1)
            .any(|arg| names.contains(&arg.as_str()))
    };
    if flag(["--version", "-version"]) {
        println!("terraform-provider-proton {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let debug = flag(["--debug", "-debug"]);
    logging::init(logging::level_from_env(|k| std::env::var(k).ok()));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("terraform-provider-proton: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let options = serve::RunOptions {
        debug,
        provider_address: PROVIDER_ADDRESS.to_string(),
    };
    let code = runtime.block_on(serve::run(Arc::new(ProtonProvider::new()), options));
    // Don't wait for lingering background work (e.g. idle connections).
    runtime.shutdown_background();
    code
}
