//! YAML with locations: parse errors carry serde_norway's line and column, and [`locate`] finds
//! where a value sits, by letting the real parser report it (so flow and block styles, anchors
//! and comments are all handled as the parser handles them).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_norway::Value as Yaml;

/// A line and a column, both from 1.
pub(crate) type Location = (usize, usize);

/// One step of the way to a value: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

impl Step {
    pub(crate) fn key(key: &str) -> Self {
        Self::Key(key.to_string())
    }
}

/// A YAML file that does not parse.
#[derive(Debug)]
pub(crate) struct ParseError {
    pub(crate) message: String,
    pub(crate) location: Option<Location>,
}

/// The documents of `data` (a file may hold several, separated by `---`).
pub(crate) fn parse(data: &[u8]) -> Result<Vec<Yaml>, ParseError> {
    let text = std::str::from_utf8(data).map_err(|e| ParseError {
        message: format!("not UTF-8 text: {e}"),
        location: None,
    })?;
    serde_norway::Deserializer::from_str(text)
        .map(|document| {
            Yaml::deserialize(document).map_err(|e| ParseError {
                location: e.location().map(|l| (l.line(), l.column())),
                message: e.to_string(),
            })
        })
        .collect()
}

/// The value of `map` at `key`, if `map` is a mapping that has it.
pub(crate) fn get<'a>(map: &'a Yaml, key: &str) -> Option<&'a Yaml> {
    map.as_mapping().and_then(|m| m.get(key))
}

/// Where the value at `path` starts in the first document of `text`; where the deepest
/// existing value on the way starts if the path leads nowhere.
pub(crate) fn locate(text: &str, path: &[Step]) -> Option<Location> {
    let document = serde_norway::Deserializer::from_str(text).next()?;
    // Seek always fails: serde_norway attaches to the error the position of the value
    // being read when it was raised, which is the one we want.
    let error = Seek(path).deserialize(document).err()?;
    let location = error.location()?;
    Some((location.line(), location.column()))
}

/// Walks to the value at a path and fails there.
struct Seek<'p>(&'p [Step]);

fn here<E: de::Error>() -> E {
    E::custom("found")
}

impl<'de> DeserializeSeed<'de> for Seek<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seek<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((Step::Key(wanted), rest)) = self.0.split_first() else {
            return Err(here());
        };
        while let Some(key) = map.next_key::<Yaml>()? {
            if key.as_str() == Some(wanted) {
                return map.next_value_seed(Seek(rest));
            }
            map.next_value::<IgnoredAny>()?;
        }
        Err(here())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((Step::Index(wanted), rest)) = self.0.split_first() else {
            return Err(here());
        };
        for _ in 0..*wanted {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Err(here());
            }
        }
        match seq.next_element_seed(Seek(rest))? {
            Some(()) | None => Err(here()),
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(here())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Err(here())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Err(here())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(here())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(here())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(here())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Err(here())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    const TEXT: &str = "\
# a comment
schema:
  format:
    openapi: \"3.0.0\"
  types:
    In: {type: object, properties: {a: {type: string}}}
list:
  - first
  - second: [x, y]
";

    fn keys(path: &str) -> Vec<Step> {
        path.split('.')
            .map(|part| match part.parse() {
                Ok(index) => Step::Index(index),
                Err(_) => Step::key(part),
            })
            .collect()
    }

    #[test]
    fn values_are_located_in_block_and_flow_style() {
        assert_eq!(locate(TEXT, &keys("schema.format.openapi")), Some((4, 14)));
        assert_eq!(
            locate(TEXT, &keys("schema.types.In.properties.a")),
            Some((6, 40))
        );
        assert_eq!(locate(TEXT, &keys("list.1.second.1")), Some((9, 17)));
    }

    #[test]
    fn a_missing_value_is_located_at_its_deepest_existing_parent() {
        // The mapping under `format` starts at its first key.
        assert_eq!(locate(TEXT, &keys("schema.format.nope")), Some((4, 5)));
        assert_eq!(locate(TEXT, &keys("list.5")), Some((8, 3)));
    }

    #[test]
    fn a_parse_error_has_a_line_and_column() {
        let err = parse(b"a: 1\nb: [\n").unwrap_err();
        assert_eq!(err.location.map(|(line, _)| line), Some(3));
        let err = parse(b"a: 1\n  b: 2\n").unwrap_err();
        assert_eq!(err.location, Some((2, 4)));
    }

    #[test]
    fn every_document_of_a_file_is_parsed() {
        assert_eq!(parse(b"a: 1\n---\nb: 2\n").unwrap().len(), 2);
        let err = parse(b"a: 1\n---\nb: [\n").unwrap_err();
        assert!(err.location.is_some());
    }
}
