//! Registry documentation in terraform-plugin-docs' layout, generated from
//! the provider's schema and the examples:
//!
//! - `docs/index.md`: the provider, its example (`examples/provider/provider.tf`)
//!   and the schema of the provider block;
//! - `docs/resources/<name without proton_>.md`: each resource's description,
//!   hand-written notes (`xtask/templates/resources/<name>.md`), example
//!   (`examples/resources/<type>/resource.tf`), schema and import command
//!   (`examples/resources/<type>/import.sh`);
//! - `docs/data-sources/<name without proton_>.md`: each data source's
//!   description, hand-written notes (`xtask/templates/data-sources/<name>.md`),
//!   example (`examples/data-sources/<type>/data-source.tf`) and schema.
//!
//! The Markdown follows what `tfplugindocs generate` writes (front matter
//! `page_title`/`subcategory`/`description`, "## Schema" with Required,
//! Optional and Read-Only groups, `nestedblock--` anchors), so the output
//! stays recognisable to the registry and to readers of other providers.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use terraform_provider_proton::plugin::provider::Provider;
use terraform_provider_proton::plugin::schema::{Attribute, Block, NestedBlock, Nesting, Presence};
use terraform_provider_proton::plugin::value::Type;
use terraform_provider_proton::provider::ProtonProvider;

use crate::Error;

/// The provider's short name, as in `page_title` and resource prefixes.
pub const PROVIDER_NAME: &str = "proton";

/// Pages under `docs/` not generated from the schema (written by hand, or by
/// `scripts/bench.sh`): neither generated nor removed here.
const HAND_WRITTEN: &[&str] = &[
    "docs/architecture.md",
    "docs/benchmarks.md",
    "docs/reliability.md",
];

/// Every generated file, by path relative to the workspace root.
pub fn generate(root: &Path) -> Result<BTreeMap<PathBuf, String>, Error> {
    let provider = ProtonProvider::new();
    let mut files = BTreeMap::new();

    let example = read(&root.join("examples/provider/provider.tf"))?;
    let notes = read_optional(&root.join("xtask/templates/index.md"))?;
    files.insert(
        PathBuf::from("docs/index.md"),
        provider_page(&provider.schema().block, &example, notes.as_deref()),
    );

    let mut resources = provider.resources();
    resources.sort_by_key(|r| r.type_name());
    for resource in resources {
        let type_name = resource.type_name();
        let short = short_name(type_name);
        let dir = root.join("examples/resources").join(type_name);
        let example = read(&dir.join("resource.tf"))?;
        let import = read_optional(&dir.join("import.sh"))?;
        let notes = read_optional(&root.join(format!("xtask/templates/resources/{short}.md")))?;
        files.insert(
            PathBuf::from(format!("docs/resources/{short}.md")),
            resource_page(
                type_name,
                &resource.schema().block,
                &example,
                notes.as_deref(),
                import.as_deref(),
            ),
        );
    }

    let mut data_sources = provider.data_sources();
    data_sources.sort_by_key(|d| d.type_name());
    for data_source in data_sources {
        let type_name = data_source.type_name();
        let short = short_name(type_name);
        let dir = root.join("examples/data-sources").join(type_name);
        let example = read(&dir.join("data-source.tf"))?;
        let notes = read_optional(&root.join(format!("xtask/templates/data-sources/{short}.md")))?;
        files.insert(
            PathBuf::from(format!("docs/data-sources/{short}.md")),
            data_source_page(
                type_name,
                &data_source.schema().block,
                &example,
                notes.as_deref(),
            ),
        );
    }
    Ok(files)
}

/// The type name without the provider prefix: the page's file name.
fn short_name(type_name: &str) -> &str {
    type_name
        .strip_prefix(&format!("{PROVIDER_NAME}_"))
        .unwrap_or(type_name)
}

/// Writes the generated files and removes stale ones under `docs/`.
pub fn write(root: &Path) -> Result<Vec<PathBuf>, Error> {
    let files = generate(root)?;
    let mut changed = Vec::new();
    for path in stale(root, &files)? {
        let full = root.join(&path);
        match files.get(&path) {
            Some(content) => {
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                }
                std::fs::write(&full, content).map_err(|e| Error::io(&full, e))?;
            }
            None => std::fs::remove_file(&full).map_err(|e| Error::io(&full, e))?,
        }
        changed.push(path);
    }
    Ok(changed)
}

/// Files under `docs/` that regenerating would create, change or delete.
pub fn check(root: &Path) -> Result<Vec<PathBuf>, Error> {
    let files = generate(root)?;
    stale(root, &files)
}

fn stale(root: &Path, files: &BTreeMap<PathBuf, String>) -> Result<Vec<PathBuf>, Error> {
    let mut stale = Vec::new();
    for (path, content) in files {
        let full = root.join(path);
        let current = match std::fs::read_to_string(&full) {
            Ok(current) => Some(current),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&full, e)),
        };
        if current.as_deref() != Some(content.as_str()) {
            stale.push(path.clone());
        }
    }
    for existing in list_files(root, Path::new("docs"))? {
        if !files.contains_key(&existing) && !HAND_WRITTEN.iter().any(|p| existing == Path::new(p))
        {
            stale.push(existing);
        }
    }
    stale.sort();
    Ok(stale)
}

/// Markdown files under `root/dir`, relative to `root`.
fn list_files(root: &Path, dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let full = root.join(dir);
    let entries = match std::fs::read_dir(&full) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&full, e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&full, e))?;
        let relative = dir.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| Error::io(&full, e))?;
        if kind.is_dir() {
            files.extend(list_files(root, &relative)?);
        } else if relative.extension().is_some_and(|e| e == "md") {
            files.push(relative);
        }
    }
    Ok(files)
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

fn read_optional(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The `description: |-` value of the front matter: plain text, indented.
fn front_matter(page_title: &str, description: &str) -> String {
    let mut out = String::from("---\n# generated by `cargo run -p xtask -- docs`; do not edit\n");
    let _ = writeln!(out, "page_title: \"{page_title}\"");
    out.push_str("subcategory: \"\"\ndescription: |-\n");
    for line in plain_text(description).lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "  {line}");
        }
    }
    out.push_str("---\n\n");
    out
}

/// Markdown reduced to plain text for front matter (code spans unwrapped).
fn plain_text(markdown: &str) -> String {
    markdown.trim().replace('`', "")
}

fn example_section(example: &str) -> String {
    format!(
        "## Example Usage\n\n```terraform\n{}\n```\n\n",
        example.trim_end()
    )
}

fn notes_section(notes: Option<&str>) -> String {
    match notes.map(str::trim) {
        Some(notes) if !notes.is_empty() => format!("{notes}\n\n"),
        _ => String::new(),
    }
}

fn provider_page(block: &Block, example: &str, notes: Option<&str>) -> String {
    let mut out = front_matter(&format!("{PROVIDER_NAME} Provider"), &block.description);
    let _ = write!(
        out,
        "# {PROVIDER_NAME} Provider\n\n{}\n\n",
        block.description.trim()
    );
    out.push_str(&notes_section(notes));
    out.push_str(&example_section(example));
    out.push_str(&schema_section(block));
    finish(out)
}

fn resource_page(
    type_name: &str,
    block: &Block,
    example: &str,
    notes: Option<&str>,
    import: Option<&str>,
) -> String {
    let mut out = front_matter(
        &format!("{type_name} Resource - {PROVIDER_NAME}"),
        &block.description,
    );
    let _ = write!(
        out,
        "# {type_name} (Resource)\n\n{}\n\n",
        block.description.trim()
    );
    out.push_str(&notes_section(notes));
    out.push_str(&example_section(example));
    out.push_str(&schema_section(block));
    if let Some(import) = import {
        out.push_str("## Import\n\nImport is supported using the following syntax:\n\n");
        out.push_str("The [`terraform import` command](https://developer.hashicorp.com/terraform/cli/commands/import) can be used, for example:\n\n");
        let _ = write!(out, "```shell\n{}\n```\n", import.trim_end());
    }
    finish(out)
}

fn data_source_page(type_name: &str, block: &Block, example: &str, notes: Option<&str>) -> String {
    let mut out = front_matter(
        &format!("{type_name} Data Source - {PROVIDER_NAME}"),
        &block.description,
    );
    let _ = write!(
        out,
        "# {type_name} (Data Source)\n\n{}\n\n",
        block.description.trim()
    );
    out.push_str(&notes_section(notes));
    out.push_str(&example_section(example));
    out.push_str(&schema_section(block));
    finish(out)
}

/// One trailing newline, no trailing blank lines.
fn finish(out: String) -> String {
    format!("{}\n", out.trim_end())
}

fn schema_section(block: &Block) -> String {
    let mut out = String::from("<!-- schema generated by xtask docs -->\n## Schema\n\n");
    let nested = write_children(&mut out, &[], block, true);
    write_nested(&mut out, nested);
    out
}

/// The group an attribute or block is listed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Required,
    Optional,
    ReadOnly,
}

impl Group {
    fn top_level_title(self) -> &'static str {
        match self {
            Group::Required => "### Required",
            Group::Optional => "### Optional",
            Group::ReadOnly => "### Read-Only",
        }
    }

    fn nested_title(self) -> &'static str {
        match self {
            Group::Required => "Required:",
            Group::Optional => "Optional:",
            Group::ReadOnly => "Read-Only:",
        }
    }

    fn of_attribute(attribute: &Attribute) -> Self {
        match attribute.presence {
            Presence::Required => Group::Required,
            Presence::Optional | Presence::OptionalComputed => Group::Optional,
            Presence::Computed => Group::ReadOnly,
        }
    }

    fn of_block(nested: &NestedBlock) -> Self {
        if nested.min_items > 0 {
            Group::Required
        } else if block_is_read_only(&nested.block) {
            Group::ReadOnly
        } else {
            Group::Optional
        }
    }
}

fn block_is_read_only(block: &Block) -> bool {
    block
        .attributes
        .iter()
        .all(|a| a.presence == Presence::Computed)
        && block.blocks.iter().all(|b| block_is_read_only(&b.block))
}

/// A nested block still to be described, with its path.
struct Pending<'a> {
    path: Vec<&'a str>,
    block: &'a Block,
}

enum Child<'a> {
    Attribute(&'a Attribute),
    Block(&'a NestedBlock),
}

/// Lists a block's attributes and nested blocks by group, alphabetically;
/// returns the nested blocks to describe next, in the order listed.
fn write_children<'a>(
    out: &mut String,
    path: &[&'a str],
    block: &'a Block,
    top_level: bool,
) -> Vec<Pending<'a>> {
    let mut children: Vec<(Group, &str, Child<'a>)> = block
        .attributes
        .iter()
        .map(|a| (Group::of_attribute(a), a.name.as_str(), Child::Attribute(a)))
        .chain(
            block
                .blocks
                .iter()
                .map(|b| (Group::of_block(b), b.name.as_str(), Child::Block(b))),
        )
        .collect();
    children.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

    let mut pending = Vec::new();
    let mut current = None;
    for (group, name, child) in children {
        if current != Some(group) {
            if current.is_some() {
                out.push('\n');
            }
            let title = if top_level {
                group.top_level_title()
            } else {
                group.nested_title()
            };
            let _ = write!(out, "{title}\n\n");
            current = Some(group);
        }
        match child {
            Child::Attribute(attribute) => {
                let mut flags = vec![type_name(&attribute.ty)];
                if attribute.sensitive {
                    flags.push("Sensitive".to_string());
                }
                if attribute.deprecated {
                    flags.push("Deprecated".to_string());
                }
                let _ = writeln!(
                    out,
                    "- `{name}` ({}){}",
                    flags.join(", "),
                    description_suffix(&attribute.description)
                );
            }
            Child::Block(nested) => {
                let mut child_path = path.to_vec();
                child_path.push(nested.name.as_str());
                let anchor = anchor(&child_path);
                let _ = writeln!(
                    out,
                    "- `{name}` ({}){} (see [below for nested schema](#{anchor}))",
                    block_type(nested),
                    description_suffix(&nested.block.description)
                );
                pending.push(Pending {
                    path: child_path,
                    block: &nested.block,
                });
            }
        }
    }
    if current.is_some() {
        out.push('\n');
    }
    pending
}

fn write_nested(out: &mut String, pending: Vec<Pending<'_>>) {
    for nested in pending {
        let _ = write!(
            out,
            "<a id=\"{}\"></a>\n### Nested Schema for `{}`\n\n",
            anchor(&nested.path),
            nested.path.join(".")
        );
        let deeper = write_children(out, &nested.path, nested.block, false);
        write_nested(out, deeper);
    }
}

fn anchor(path: &[&str]) -> String {
    format!("nestedblock--{}", path.join("--"))
}

fn description_suffix(description: &str) -> String {
    let description = description.trim();
    if description.is_empty() {
        String::new()
    } else {
        format!(" {description}")
    }
}

/// `Block`, `Block List`, `Block Set`, with the item bounds.
fn block_type(nested: &NestedBlock) -> String {
    let mut text = String::from(match nested.nesting {
        Nesting::Single => "Block",
        Nesting::List => "Block List",
        Nesting::Set => "Block Set",
    });
    if nested.min_items > 0 {
        let _ = write!(text, ", Min: {}", nested.min_items);
    }
    if nested.max_items > 0 {
        let _ = write!(text, ", Max: {}", nested.max_items);
    }
    text
}

/// The type as tfplugindocs names it: `String`, `List of String`, ...
fn type_name(ty: &Type) -> String {
    match ty {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(element) => format!("List of {}", type_name(element)),
        Type::Set(element) => format!("Set of {}", type_name(element)),
        Type::Map(element) => format!("Map of {}", type_name(element)),
        Type::Object(_) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn types_are_named_like_tfplugindocs() {
        assert_eq!(type_name(&Type::Bool), "Boolean");
        assert_eq!(type_name(&Type::map(Type::String)), "Map of String");
        assert_eq!(
            type_name(&Type::set(Type::list(Type::Number))),
            "Set of List of Number"
        );
    }

    #[test]
    fn nested_blocks_get_anchors_and_paths() {
        let provider = ProtonProvider::new();
        let resource = provider
            .resources()
            .into_iter()
            .find(|r| r.type_name() == "proton_environment_template_version")
            .unwrap();
        let schema = schema_section(&resource.schema().block);
        assert!(
            schema.contains("### Required\n\n- `source` (Block, Min: 1, Max: 1)"),
            "{schema}"
        );
        assert!(schema.contains("<a id=\"nestedblock--source--s3\"></a>\n### Nested Schema for `source.s3`\n\nRequired:\n\n- `bucket` (String)"), "{schema}");
        assert!(
            schema.contains("- `arn` (String) ARN of the version."),
            "{schema}"
        );
        let required = schema.find("### Required").unwrap();
        let optional = schema.find("### Optional").unwrap();
        let read_only = schema.find("### Read-Only").unwrap();
        assert!(required < optional && optional < read_only);
    }

    #[test]
    fn every_resource_and_data_source_has_a_page() {
        let files = generate(&crate::workspace_root()).unwrap();
        let provider = ProtonProvider::new();
        for resource in provider.resources() {
            let path = format!("docs/resources/{}.md", short_name(resource.type_name()));
            assert!(files.contains_key(Path::new(&path)), "no {path}");
        }
        for data_source in provider.data_sources() {
            let type_name = data_source.type_name();
            let path = format!("docs/data-sources/{}.md", short_name(type_name));
            assert!(files.contains_key(Path::new(&path)), "no {path}");
            let page = files.get(Path::new(&path)).unwrap();
            assert!(
                page.contains(&format!("page_title: \"{type_name} Data Source - proton\"")),
                "{page}"
            );
            assert!(
                page.contains("## Example Usage\n\n```terraform\n"),
                "{page}"
            );
            assert!(page.contains("### Required\n\n- `"), "{page}");
            assert!(page.contains("### Read-Only\n\n- `"), "{page}");
            assert!(!page.contains("## Import"), "{page}");
        }
    }

    #[test]
    fn sensitive_attributes_are_marked() {
        let provider = ProtonProvider::new();
        let schema = schema_section(&provider.schema().block);
        assert!(
            schema.contains("- `secret_key` (String, Sensitive)"),
            "{schema}"
        );
        assert!(
            schema.contains("- `shared_config_files` (List of String)"),
            "{schema}"
        );
    }
}
