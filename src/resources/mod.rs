//! The provider's resource types, one module each, and what they share.

pub mod environment_template;
pub mod environment_template_version;
mod import_scope;
pub mod service_template;
pub mod service_template_version;
pub mod tags;
pub mod template;
pub mod template_version;
