//! Protocol plumbing: everything Terraform's plugin protocol needs, and nothing about Proton.

pub mod codec;
pub mod value;
