//! HCL for the acceptance tests' configurations: one builder for the
//! template and version `resource` blocks, so that a test says what differs
//! (`hcl::resource(ENV, "v").template("web").s3("bundles", "a.tar.gz")
//! .status("PUBLISHED")`, or `.directory_source(dir, "bundles", "proton/")`
//! for a bundle the provider builds from a directory) instead of writing the block out again.

use std::fmt;
use std::path::Path;

/// A short `timeouts.delete` for a version block, so that a delete that waits
/// instead of converging fails a test quickly instead of after five minutes.
pub const SHORT_DELETE: &str = "timeouts {\n  delete = \"20s\"\n}";

/// `lifecycle { create_before_destroy = true }`.
pub const CREATE_BEFORE_DESTROY: &str = "lifecycle {\n  create_before_destroy = true\n}";

/// A `resource "TY" "LABEL"` block; its lines come out in the order they
/// were added. Renders (`Display`) with a blank line before and a newline
/// after, so blocks concatenate.
#[derive(Clone, Debug)]
pub struct Resource {
    ty: String,
    label: String,
    lines: Vec<String>,
}

/// A `resource` block of type `ty` (a template or a version) named `label`.
pub fn resource(ty: &str, label: &str) -> Resource {
    Resource {
        ty: ty.to_string(),
        label: label.to_string(),
        lines: Vec::new(),
    }
}

impl Resource {
    /// `NAME = EXPR`, `expr` as HCL (a reference, a number, `each.value`, a
    /// map…).
    pub fn set(self, name: &str, expr: &str) -> Self {
        self.extra(&format!("{name} = {expr}"))
    }

    /// `NAME = "VALUE"` (`value` may hold `${…}` interpolations).
    pub fn string(self, name: &str, value: &str) -> Self {
        self.set(name, &format!("\"{value}\""))
    }

    /// More of the body (attributes or blocks), written unindented.
    pub fn extra(mut self, hcl: &str) -> Self {
        self.lines.extend(hcl.lines().map(str::to_string));
        self
    }

    /// A template's `name`.
    pub fn name(self, name: &str) -> Self {
        self.string("name", name)
    }

    /// A version's `template_name`, the template named `name`.
    pub fn template(self, name: &str) -> Self {
        self.string("template_name", name)
    }

    /// A version's `template_name`, from the template resource `address`.
    pub fn template_of(self, address: &str) -> Self {
        self.set("template_name", &format!("{address}.name"))
    }

    /// `major_version = "MAJOR"`.
    pub fn major(self, major: &str) -> Self {
        self.string("major_version", major)
    }

    /// A version's `major_version`, from the version resource `address`.
    pub fn major_of(self, address: &str) -> Self {
        self.set("major_version", &format!("{address}.major_version"))
    }

    pub fn status(self, status: &str) -> Self {
        self.string("status", status)
    }

    pub fn description(self, description: &str) -> Self {
        self.string("description", description)
    }

    /// A version's `source` block: the bundle at `s3://BUCKET/KEY`.
    pub fn s3(self, bucket: &str, key: &str) -> Self {
        self.extra(&format!(
            "source {{\n  s3 {{\n    bucket = \"{bucket}\"\n    key    = \"{key}\"\n  }}\n}}"
        ))
    }

    /// A version's `source` block built from the bundle directory `dir`,
    /// uploaded to `bucket` under `key_prefix` (left out when empty: the
    /// default).
    pub fn directory_source(self, dir: &Path, bucket: &str, key_prefix: &str) -> Self {
        self.directory_source_excluding(dir, bucket, key_prefix, &[])
    }

    /// [`Resource::directory_source`] with `excludes` globs (left out when
    /// empty).
    pub fn directory_source_excluding(
        self,
        dir: &Path,
        bucket: &str,
        key_prefix: &str,
        excludes: &[&str],
    ) -> Self {
        let mut lines = vec![
            format!("  directory  = \"{}\"", dir.display()),
            format!("  bucket     = \"{bucket}\""),
        ];
        if !key_prefix.is_empty() {
            lines.push(format!("  key_prefix = \"{key_prefix}\""));
        }
        if !excludes.is_empty() {
            let globs: Vec<String> = excludes.iter().map(|g| format!("\"{g}\"")).collect();
            lines.push(format!("  excludes   = [{}]", globs.join(", ")));
        }
        self.extra(&format!("source {{\n{}\n}}", lines.join("\n")))
    }

    /// A service version's `compatible_environment_template` block listing
    /// major `major` of the environment template `template`.
    pub fn compatible(self, template: &str, major: &str) -> Self {
        self.compatible_block(&format!("\"{template}\""), &format!("\"{major}\""))
    }

    /// A service version's `compatible_environment_template` block listing
    /// the environment version resource `address`'s template and major.
    pub fn compatible_with(self, address: &str) -> Self {
        self.compatible_block(
            &format!("{address}.template_name"),
            &format!("{address}.major_version"),
        )
    }

    fn compatible_block(self, template: &str, major: &str) -> Self {
        self.extra(&format!(
            "compatible_environment_template {{\n  template_name = {template}\n  major_version = {major}\n}}"
        ))
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "\nresource \"{}\" \"{}\" {{", self.ty, self.label)?;
        for line in &self.lines {
            match line.is_empty() {
                true => writeln!(f)?,
                false => writeln!(f, "  {line}")?,
            }
        }
        writeln!(f, "}}")
    }
}
