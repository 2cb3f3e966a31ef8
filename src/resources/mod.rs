//! The provider's resource types: one module per resource (templates,
//! template versions), each a [`TypedResource`](crate::plugin::typed::TypedResource)
//! serving both kinds through the kind table ([`crate::kind`]), and what
//! they share: the models and their total conversions ([`model`]), identity,
//! tags, sources and validators.

pub mod directory_source;
pub mod identity;
mod import_scope;
pub mod model;
pub mod region;
pub mod service_template_version;
mod source;
pub mod tags;
pub mod template;
pub mod template_version;
pub mod validators;
