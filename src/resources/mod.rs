//! The provider's resource types: one module per resource family (templates,
//! template versions), each serving both kinds through [`kind::KindSpec`],
//! and what they share.

pub mod identity;
mod import_scope;
pub mod model;
pub mod service_template_version;
mod source;
pub mod tags;
pub mod template;
pub mod template_version;
pub mod validators;
