//! Writing planned values into a raw state [`Value`], shared by the
//! resources.

use crate::plugin::value::Value;

/// Sets each of `names` in `state` to its planned value, where that is known.
pub(crate) fn keep_planned(state: &mut Value, planned: &Value, names: &[&str]) {
    for name in names {
        match (planned.get_attr(name), state.get_attr_mut(name)) {
            (Some(value), Some(slot)) if value.is_wholly_known() => *slot = value.clone(),
            _ => {}
        }
    }
}
