//! terraform-provider-proton: a tfplugin protocol 6 provider for AWS Proton template versions.

pub mod plugin;
pub mod proton;
