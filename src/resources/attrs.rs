//! Small helpers for reading and writing attributes of a raw state or
//! configuration [`Value`], shared by the resources and data sources.

use crate::plugin::value::Value;
use crate::proton::CompatibleEnvironmentTemplate;

/// A string attribute of `value`, if set.
pub fn str_attr<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    value.get_attr(name).and_then(Value::as_str)
}

/// A string value, or null.
pub fn optional_string(value: Option<&str>) -> Value {
    value.map(Value::string).unwrap_or(Value::Null)
}

/// Sets each of `names` in `state` to its planned value, where that is known.
pub(crate) fn keep_planned(state: &mut Value, planned: &Value, names: &[&str]) {
    for name in names {
        match (planned.get_attr(name), state.get_attr_mut(name)) {
            (Some(value), Some(slot)) if value.is_wholly_known() => *slot = value.clone(),
            _ => {}
        }
    }
}

/// A compatible environment template as a block value.
pub fn compatible_value(template: &CompatibleEnvironmentTemplate) -> Value {
    Value::object([
        ("major_version", Value::string(&template.major_version)),
        ("template_name", Value::string(&template.template_name)),
    ])
}
