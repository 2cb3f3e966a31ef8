//! Bundle directories and texts for the tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;

use tempfile::TempDir;

/// An environment schema that passes every check: an input type with a default, an array of
/// a referenced type, and a required property. The checks' tests locate problems by its lines
/// (`openapi` on line 3, the `$ref` on line 15).
pub(crate) const ENVIRONMENT_SCHEMA: &str = r##"schema:
  format:
    openapi: "3.0.0"
  environment_input_type: "EnvironmentInput"
  types:
    EnvironmentInput:
      type: object
      properties:
        vpc_cidr:
          type: string
          default: "10.0.0.0/16"
        subnets:
          type: array
          items:
            $ref: "#/Subnet"
        size:
          type: number
      required:
        - size
    Subnet:
      type: object
      properties:
        cidr:
          type: string
"##;

/// A temporary directory holding `files`, each `(relative path, text)`.
pub(crate) fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

/// `text` with `from` replaced by `to`; panics when `text` has no `from`, so that a test
/// whose edit no longer applies fails instead of checking the unedited text.
#[track_caller]
pub(crate) fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} is not in {text:?}");
    text.replace(from, to)
}
