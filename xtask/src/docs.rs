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
use terraform_provider_proton::plugin::schema::{
    Attribute, Block, ForImport, IdentitySchema, NestedBlock, Nesting, Presence,
};
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
    "docs/guides/adopt-existing-templates.md",
    "docs/guides/bundles-from-git.md",
    "docs/guides/modules.md",
    "docs/guides/rollback.md",
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

    let mut list_resources = provider.list_resources();
    list_resources.sort_by_key(|l| l.type_name());
    let listed: Vec<&str> = list_resources.iter().map(|l| l.type_name()).collect();

    let mut resources = provider.resources();
    resources.sort_by_key(|r| r.type_name());
    for resource in resources {
        let type_name = resource.type_name();
        let short = short_name(type_name);
        let dir = root.join("examples/resources").join(type_name);
        let example = read(&dir.join("resource.tf"))?;
        let notes = read_optional(&root.join(format!("xtask/templates/resources/{short}.md")))?;
        let import = Import {
            identity: resource.identity_schema(),
            commands: read_optional(&dir.join("import.sh"))?,
            listed: listed.contains(&type_name),
        };
        files.insert(
            PathBuf::from(format!("docs/resources/{short}.md")),
            resource_page(
                type_name,
                &resource.schema().block,
                &example,
                notes.as_deref(),
                &import,
            )?,
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

    for list in list_resources {
        let type_name = list.type_name();
        let short = short_name(type_name);
        let dir = root.join("examples/list-resources").join(type_name);
        let example = read(&dir.join("list.tfquery.hcl"))?;
        let notes =
            read_optional(&root.join(format!("xtask/templates/list-resources/{short}.md")))?;
        files.insert(
            PathBuf::from(format!("docs/list-resources/{short}.md")),
            list_resource_page(
                type_name,
                &list.config_schema().block,
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

/// The front matter of a page: its title, the `subcategory` the registry
/// groups resources by (`None` on the provider page, where the registry's
/// validation refuses one), and the description, as plain indented text.
fn front_matter(page_title: &str, subcategory: Option<&str>, description: &str) -> String {
    let mut out = String::from("---\n# generated by `cargo run -p xtask -- docs`; do not edit\n");
    let _ = writeln!(out, "page_title: \"{page_title}\"");
    if let Some(subcategory) = subcategory {
        let _ = writeln!(out, "subcategory: \"{subcategory}\"");
    }
    out.push_str("description: |-\n");
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
    let mut out = front_matter(
        &format!("{PROVIDER_NAME} Provider"),
        None,
        &block.description,
    );
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

/// What a resource page's "Import" section is made of.
struct Import<'a> {
    /// The identity schema, for the `import` block by identity.
    identity: Option<&'a IdentitySchema>,
    /// `import.sh`: the `terraform import` commands.
    commands: Option<String>,
    /// Whether a list resource of the same type finds the objects to import.
    listed: bool,
}

fn resource_page(
    type_name: &str,
    block: &Block,
    example: &str,
    notes: Option<&str>,
    import: &Import<'_>,
) -> Result<String, Error> {
    let mut out = front_matter(
        &format!("{type_name} Resource - {PROVIDER_NAME}"),
        Some(""),
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
    out.push_str(&import_section(type_name, import)?);
    Ok(finish(out))
}

fn import_section(type_name: &str, import: &Import<'_>) -> Result<String, Error> {
    if import.identity.is_none() && import.commands.is_none() {
        return Ok(String::new());
    }
    let mut out = String::from("## Import\n\nImport is supported using the following syntax:\n\n");
    if let Some(identity) = import.identity {
        out.push_str("In Terraform v1.12.0 and later, the [`import` block](https://developer.hashicorp.com/terraform/language/import) can be used with the `identity` attribute, for example:\n\n");
        let _ = write!(
            out,
            "```terraform\n{}```\n\n",
            identity_import_block(type_name, identity)?
        );
        out.push_str(&identity_schema_section(identity));
    }
    if import.listed {
        let short = short_name(type_name);
        let _ = write!(
            out,
            "In Terraform v1.14.0 and later, `terraform query` with the [`{type_name}` list resource](../list-resources/{short}.md) finds the objects to import, with their identities, and `terraform query -generate-config-out=FILE` writes the `resource` and `import` blocks for them: see [Adopting existing templates](../guides/adopt-existing-templates.md).\n\n"
        );
    }
    if let Some(commands) = &import.commands {
        out.push_str("The [`terraform import` command](https://developer.hashicorp.com/terraform/cli/commands/import) can be used, for example:\n\n");
        let _ = write!(out, "```shell\n{}\n```\n", commands.trim_end());
    }
    Ok(out)
}

/// An `import` block by identity for `<type>.example`: the attributes an
/// import must give with example values, then the optional ones commented
/// out. Aligned as `terraform fmt` aligns them.
fn identity_import_block(type_name: &str, identity: &IdentitySchema) -> Result<String, Error> {
    let lines = |for_import: ForImport| -> Result<Vec<(String, String)>, Error> {
        identity
            .attributes
            .iter()
            .filter(|a| a.for_import == for_import)
            .map(|a| {
                let value = example_identity_value(type_name, &a.name).ok_or_else(|| {
                    Error(format!(
                        "no example value for identity attribute `{}` of {type_name}: add one to example_identity_value in xtask/src/docs.rs",
                        a.name
                    ))
                })?;
                if a.ty != Type::String {
                    return Err(Error(format!(
                        "identity attribute `{}` of {type_name} is not a string: teach identity_import_block its type",
                        a.name
                    )));
                }
                Ok((a.name.clone(), format!("{value:?}")))
            })
            .collect()
    };
    let required = lines(ForImport::Required)?;
    let optional = lines(ForImport::Optional)?;
    let aligned = |lines: &[(String, String)], prefix: &str| {
        let width = lines.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
        lines
            .iter()
            .map(|(name, value)| format!("    {prefix}{name:<width$} = {value}\n"))
            .collect::<String>()
    };
    let mut out = format!("import {{\n  to = {type_name}.example\n  identity = {{\n");
    out.push_str(&aligned(&required, ""));
    if !optional.is_empty() {
        if !required.is_empty() {
            out.push('\n');
        }
        out.push_str("    # Optional for import:\n");
        out.push_str(&aligned(&optional, "# "));
    }
    out.push_str("  }\n}\n");
    Ok(out)
}

/// The value the docs show for an identity attribute: the object the
/// resource's example and `import.sh` name, in proton-local's account.
fn example_identity_value(type_name: &str, attribute: &str) -> Option<&'static str> {
    let template = if type_name.starts_with("proton_service_") {
        "example-svc"
    } else {
        "example-env"
    };
    match attribute {
        "account_id" => Some("123456789012"),
        "region" => Some("us-east-1"),
        "name" | "template_name" => Some(template),
        "major_version" => Some("1"),
        "minor_version" => Some("0"),
        _ => None,
    }
}

/// The identity attributes, Required (for import) then Optional, each
/// group alphabetically, like the schema section.
fn identity_schema_section(identity: &IdentitySchema) -> String {
    let mut out = String::from("<!-- schema generated by xtask docs -->\n### Identity Schema\n\n");
    for (for_import, title) in [
        (ForImport::Required, "#### Required"),
        (ForImport::Optional, "#### Optional"),
    ] {
        let mut attributes: Vec<_> = identity
            .attributes
            .iter()
            .filter(|a| a.for_import == for_import)
            .collect();
        if attributes.is_empty() {
            continue;
        }
        attributes.sort_by(|a, b| a.name.cmp(&b.name));
        let _ = write!(out, "{title}\n\n");
        for attribute in attributes {
            let _ = writeln!(
                out,
                "- `{}` ({}){}",
                attribute.name,
                type_name(&attribute.ty),
                description_suffix(&attribute.description)
            );
        }
        out.push('\n');
    }
    out
}

fn data_source_page(type_name: &str, block: &Block, example: &str, notes: Option<&str>) -> String {
    let mut out = front_matter(
        &format!("{type_name} Data Source - {PROVIDER_NAME}"),
        Some(""),
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

fn list_resource_page(
    type_name: &str,
    block: &Block,
    example: &str,
    notes: Option<&str>,
) -> String {
    let short = short_name(type_name);
    let mut out = front_matter(
        &format!("{type_name} List Resource - {PROVIDER_NAME}"),
        Some(""),
        &block.description,
    );
    let _ = write!(
        out,
        "# {type_name} (List Resource)\n\n{}\n\n",
        block.description.trim()
    );
    let _ = write!(
        out,
        "List resources are used in `.tfquery.hcl` files by `terraform query` (Terraform v1.14.0 and later). Each result is a [`{type_name}`](../resources/{short}.md) object: its [identity](../resources/{short}.md#identity-schema), a display name and, with `include_resource = true`, its attributes as the resource reads them. `terraform query -generate-config-out=FILE` writes a `resource` and an `import` block for each result: see [Adopting existing templates](../guides/adopt-existing-templates.md).\n\n"
    );
    out.push_str(&notes_section(notes));
    out.push_str(&example_section(example));
    out.push_str(&config_schema_section(block));
    finish(out)
}

/// The schema of a list resource's `config` block.
fn config_schema_section(block: &Block) -> String {
    let mut out = String::from(
        "<!-- schema generated by xtask docs -->\n## Schema\n\nThe arguments of the `config` block.\n\n",
    );
    let nested = write_children(&mut out, &[], block, true);
    write_nested(&mut out, nested);
    out
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
    #![allow(clippy::unwrap_used, clippy::panic)]
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
        // Needed to create, not to keep (an adopted version may have none).
        assert!(
            schema.contains("### Optional\n\n- `description` (String)"),
            "{schema}"
        );
        assert!(schema.contains("- `source` (Block) "), "{schema}");
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
    fn every_list_resource_has_a_page() {
        let files = generate(&crate::workspace_root()).unwrap();
        let provider = ProtonProvider::new();
        let lists = provider.list_resources();
        assert_eq!(lists.len(), 4);
        for list in lists {
            let type_name = list.type_name();
            let short = short_name(type_name);
            let path = format!("docs/list-resources/{short}.md");
            let page = files
                .get(Path::new(&path))
                .unwrap_or_else(|| panic!("no {path}"));
            assert!(
                page.contains(&format!(
                    "page_title: \"{type_name} List Resource - proton\""
                )),
                "{page}"
            );
            assert!(
                page.contains(&format!("# {type_name} (List Resource)\n")),
                "{page}"
            );
            assert!(
                page.contains("## Example Usage\n\n```terraform\n"),
                "{page}"
            );
            assert!(
                page.contains(&format!("list \"{type_name}\" \"")),
                "the example does not list {type_name}: {page}"
            );
            assert!(
                page.lines()
                    .map(str::trim)
                    .any(|line| line.starts_with("provider ") && line.ends_with("= proton")),
                "the example has no `provider = proton`: {page}"
            );
            assert!(
                page.contains(&format!("](../resources/{short}.md#identity-schema)")),
                "{page}"
            );
            assert!(
                page.contains(
                    "## Schema\n\nThe arguments of the `config` block.\n\n### Optional\n\n- `"
                ),
                "{page}"
            );
            for attribute in &list.config_schema().block.attributes {
                assert!(
                    page.contains(&format!("- `{}` (", attribute.name)),
                    "{} is not documented: {page}",
                    attribute.name
                );
            }
            assert!(!page.contains("## Import"), "{page}");
        }
    }

    #[test]
    fn resource_pages_show_the_import_by_identity_and_the_import_commands() {
        let root = crate::workspace_root();
        let files = generate(&root).unwrap();
        let provider = ProtonProvider::new();
        for resource in provider.resources() {
            let type_name = resource.type_name();
            let short = short_name(type_name);
            let page = files
                .get(Path::new(&format!("docs/resources/{short}.md")))
                .unwrap();
            let identity = resource.identity_schema().unwrap();
            let import = &page[page.find("## Import\n").unwrap()..];
            let block_start = import.find("```terraform\nimport {\n").unwrap();
            let block = &import[block_start..];
            let block = &block[..block.find("\n```\n").unwrap()];
            assert!(
                block.contains(&format!("  to = {type_name}.example\n  identity = {{\n")),
                "{block}"
            );
            for attribute in &identity.attributes {
                let value = example_identity_value(type_name, &attribute.name).unwrap();
                let commented = block
                    .lines()
                    .map(str::trim)
                    .filter(|line| line.starts_with('#'))
                    .any(|line| {
                        line.starts_with(&format!("# {} ", attribute.name))
                            && line.ends_with(&format!("= \"{value}\""))
                    });
                let set = block.lines().map(str::trim).any(|line| {
                    line.starts_with(&format!("{} ", attribute.name))
                        && line.ends_with(&format!("= \"{value}\""))
                });
                match attribute.for_import {
                    ForImport::Required => {
                        assert!(set && !commented, "{}: {block}", attribute.name)
                    }
                    ForImport::Optional => {
                        assert!(commented && !set, "{}: {block}", attribute.name)
                    }
                }
                let group = match attribute.for_import {
                    ForImport::Required => "#### Required",
                    ForImport::Optional => "#### Optional",
                };
                let listed = format!("- `{}` (String) {}", attribute.name, attribute.description);
                let group_at = import.find(group).unwrap();
                let listed_at = import
                    .find(&listed)
                    .unwrap_or_else(|| panic!("{listed}: {import}"));
                assert!(group_at < listed_at, "{listed} is not under {group}");
            }
            assert!(
                import.contains("### Identity Schema\n\n#### Required\n\n"),
                "{import}"
            );
            assert!(
                import.contains(&format!("](../list-resources/{short}.md)")),
                "{import}"
            );
            // The identity names the object import.sh imports.
            let commands = read(
                &root
                    .join("examples/resources")
                    .join(type_name)
                    .join("import.sh"),
            )
            .unwrap();
            let required: Vec<&str> = identity
                .attributes
                .iter()
                .filter(|a| a.for_import == ForImport::Required)
                .map(|a| example_identity_value(type_name, &a.name).unwrap())
                .collect();
            let id = match required.as_slice() {
                [name] => name.to_string(),
                [major, minor, template] => format!("{template}:{major}.{minor}"),
                other => panic!("unexpected identity {other:?}"),
            };
            assert!(
                commands.contains(&format!("terraform import {type_name}.example {id}\n")),
                "import.sh does not import {id}: {commands}"
            );
            assert!(
                import.contains("```shell\n# By "),
                "the import commands are gone: {import}"
            );
        }
    }

    #[test]
    fn an_identity_attribute_without_an_example_value_is_an_error() {
        let identity = IdentitySchema::new(vec![
            terraform_provider_proton::plugin::schema::IdentityAttribute::required_for_import(
                "zone",
                Type::String,
                "Zone.",
            ),
        ]);
        let err = identity_import_block("proton_environment_template", &identity).unwrap_err();
        assert!(err.0.contains("`zone`"), "{err}");
    }

    #[test]
    fn hand_written_guides_are_neither_generated_nor_flagged() {
        let root = crate::workspace_root();
        let guide = Path::new("docs/guides/adopt-existing-templates.md");
        assert!(root.join(guide).exists());
        assert!(HAND_WRITTEN.iter().any(|p| Path::new(p) == guide));
        assert!(!generate(&root).unwrap().contains_key(guide));
        assert!(!check(&root).unwrap().iter().any(|p| p == guide));
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
