//! Plan-time checks of a bundle (module rules 8–12). Proton's own failure texts are not
//! public (bundles.md §3.6): the messages here say what is wrong and what Proton expects.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde_norway::Value as Yaml;

use super::build::archive;
use super::files::{collect, BundleFile};
use super::yaml::{self, get, Location, ParseError, Step};
use crate::kind::TemplateKind;

/// Largest bundle Proton registers: 5 MB, read as MiB (bundles.md §3.4).
const MAX_BUNDLE_BYTES: usize = 5 * 1024 * 1024;
/// Largest schema: the API's template schema holds 51,200 characters (50 KB, bundles.md §3.4).
const MAX_SCHEMA_CHARS: usize = 51_200;
/// Largest manifest: 50 KB (bundles.md §3.4).
const MAX_MANIFEST_BYTES: usize = 50 * 1024;
/// Largest template file a manifest names: 200 KB (bundles.md §3.4).
const MAX_TEMPLATE_FILE_BYTES: usize = 200 * 1024;

const SCHEMA_FILE: &str = "schema/schema.yaml";
const MANIFEST_NAME: &str = "manifest.yaml";

/// What the bundle must be, from the template it will register under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    /// An environment template; a customer-managed one (`provisioning = CUSTOMER_MANAGED`)
    /// has no infrastructure in its bundle.
    Environment { customer_managed: bool },
    /// A service template; `pipeline` unless its `pipelineProvisioning` is
    /// `CUSTOMER_MANAGED`.
    Service { pipeline: bool },
}

impl Expectation {
    /// The kind of template.
    pub fn kind(self) -> TemplateKind {
        match self {
            Self::Environment { .. } => TemplateKind::Environment,
            Self::Service { .. } => TemplateKind::Service,
        }
    }

    /// Infrastructure directories the bundle must have (with a manifest), and those it must
    /// not have (module rule 9).
    fn infrastructure(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Self::Environment {
                customer_managed: false,
            } => (&["infrastructure"], &[]),
            Self::Environment {
                customer_managed: true,
            } => (&[], &["infrastructure"]),
            Self::Service { pipeline: true } => {
                (&["instance_infrastructure", "pipeline_infrastructure"], &[])
            }
            Self::Service { pipeline: false } => {
                (&["instance_infrastructure"], &["pipeline_infrastructure"])
            }
        }
    }

    /// The schema's input-type keys: those it must have, and those it must not (rule 11).
    fn input_types(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Self::Environment { .. } => (&["environment_input_type"], &[]),
            Self::Service { pipeline: true } => {
                (&["service_input_type", "pipeline_input_type"], &[])
            }
            Self::Service { pipeline: false } => {
                (&["service_input_type"], &["pipeline_input_type"])
            }
        }
    }
}

/// One thing Proton would refuse, where it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The path inside the bundle (`schema/schema.yaml`); empty for the bundle as a whole.
    pub file: String,
    /// From 1, when the problem is at a place in the file.
    pub line: Option<usize>,
    /// From 1, with `line`.
    pub column: Option<usize>,
    pub message: String,
}

impl Problem {
    fn new(file: &str, message: String) -> Self {
        Self {
            file: file.to_string(),
            line: None,
            column: None,
            message,
        }
    }

    fn at(mut self, location: Option<Location>) -> Self {
        (self.line, self.column) = location.unzip();
        self
    }
}

impl fmt::Display for Problem {
    /// `schema/schema.yaml:12:3: message`, as compilers print, with what is known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.file.is_empty() {
            write!(f, "{}:", self.file)?;
            if let Some(line) = self.line {
                write!(f, "{line}:")?;
                if let Some(column) = self.column {
                    write!(f, "{column}:")?;
                }
            }
            f.write_str(" ")?;
        }
        f.write_str(&self.message)
    }
}

/// The problems Proton would find registering the bundle of `dir` (built as
/// [`build`](super::build) builds it) under a template that each of `expects` describes, and
/// that all of them share (a plan that does not know the template's provisioning yet passes
/// every possible one), sorted by file, line and column. Empty when none are found. The files
/// are read and archived once, whatever the number of expectations.
pub fn check(dir: &Path, excludes: &[String], expects: &[Expectation]) -> Vec<Problem> {
    let files = match collect(dir, excludes) {
        Ok(files) => files,
        Err(err) => return vec![Problem::new("", err.to_string())],
    };
    // Rule 8, bundles.md §3.4 ("Bundle 5 MB").
    let size_problem = match archive(&files) {
        Ok(built) if built.bytes.len() > MAX_BUNDLE_BYTES => Some(Problem::new(
            "",
            format!(
                "the bundle is {} bytes compressed; Proton's limit is {MAX_BUNDLE_BYTES} bytes (5 MB): exclude what the templates do not need",
                built.bytes.len()
            ),
        )),
        Ok(_) => None,
        Err(err) => Some(Problem::new("", err.to_string())),
    };
    let mut each = expects.iter().map(|&expect| {
        let mut bundle = Bundle::new(&files);
        bundle.problems.extend(size_problem.clone());
        bundle.check_schema(expect);
        let (required, forbidden) = expect.infrastructure();
        for dir in required {
            bundle.check_infrastructure(dir, expect);
        }
        for dir in forbidden {
            bundle.refuse_directory(dir, expect);
        }
        bundle.report_unparsed();
        bundle.problems
    });
    let first = each.next().unwrap_or_default();
    let mut problems: Vec<Problem> = each.fold(first, |common, next| {
        common.into_iter().filter(|p| next.contains(p)).collect()
    });
    problems.sort();
    problems
}

/// The bundle's files, their parsed YAML, and the problems found so far.
struct Bundle<'f> {
    files: BTreeMap<&'f str, &'f [u8]>,
    /// The first document of each YAML file that parses.
    yaml: BTreeMap<&'f str, Yaml>,
    /// The YAML files that do not parse.
    unparsed: BTreeMap<&'f str, ParseError>,
    /// Files a manifest renders with Jinja: YAML only once rendered.
    jinja_templates: BTreeSet<&'f str>,
    problems: Vec<Problem>,
}

impl<'f> Bundle<'f> {
    /// Parses every YAML file (rule 10); [`Bundle::report_unparsed`] reports those that fail.
    fn new(files: &'f [BundleFile]) -> Self {
        let mut bundle = Self {
            files: (files.iter())
                .map(|f| (f.path.as_str(), f.data.as_slice()))
                .collect(),
            yaml: BTreeMap::new(),
            unparsed: BTreeMap::new(),
            jinja_templates: BTreeSet::new(),
            problems: Vec::new(),
        };
        for file in files {
            let lowercase = file.path.to_ascii_lowercase();
            if !(lowercase.ends_with(".yaml") || lowercase.ends_with(".yml")) {
                continue;
            }
            match yaml::parse(&file.data) {
                Ok(documents) => {
                    let first = documents.into_iter().next().unwrap_or(Yaml::Null);
                    bundle.yaml.insert(&file.path, first);
                }
                Err(err) => {
                    bundle.unparsed.insert(&file.path, err);
                }
            }
        }
        bundle
    }

    /// Rule 10, bundles.md §3.1: "Each file in the bundle must be a valid formatted YAML
    /// file", read as "YAML files must parse", since Proton's own samples bundle `.tf`, `.zip`
    /// and `.ts` files. Jinja templates are exempt: the user guide's own pipeline example has
    /// `{% for %}` lines, so they are YAML only once rendered.
    fn report_unparsed(&mut self) {
        for (path, err) in std::mem::take(&mut self.unparsed) {
            if self.jinja_templates.contains(path) {
                continue;
            }
            self.problems.push(
                Problem::new(
                    path,
                    format!(
                        "not valid YAML ({}); Proton requires every YAML file of a bundle to parse",
                        err.message
                    ),
                )
                .at(err.location),
            );
        }
    }

    fn problem(&mut self, file: &str, path: &[Step], message: String) {
        let text = self
            .files
            .get(file)
            .and_then(|d| std::str::from_utf8(d).ok());
        let location = text.and_then(|text| yaml::locate(text, path));
        self.problems.push(Problem::new(file, message).at(location));
    }

    fn under(&self, dir: &str) -> impl Iterator<Item = &'f str> + '_ {
        let prefix = format!("{dir}/");
        (self.files.keys().copied()).filter(move |path| path.starts_with(&prefix))
    }

    /// Rule 11, bundles.md §3.2 (ag-schema.md) and §3.4.
    fn check_schema(&mut self, expect: Expectation) {
        let Some(data) = self.files.get(SCHEMA_FILE) else {
            let message = match self.wrapped_schema() {
                Some(wrapped) => format!(
                    "missing; the bundle has {wrapped}: point the directory at the one that holds schema/ (the bundle is that directory's contents)"
                ),
                None => "missing; every template bundle has its schema at schema/schema.yaml".to_string(),
            };
            self.problems.push(Problem::new(SCHEMA_FILE, message));
            return;
        };
        let chars = std::str::from_utf8(data).map_or(0, |text| text.chars().count());
        if chars > MAX_SCHEMA_CHARS {
            self.problems.push(Problem::new(
                SCHEMA_FILE,
                format!("{chars} characters long; Proton's limit for a schema is {MAX_SCHEMA_CHARS} (50 KB)"),
            ));
        }
        let Some(document) = self.yaml.get(SCHEMA_FILE).cloned() else {
            return; // It does not parse, which rule 10 reports.
        };
        let Some(schema) = get(&document, "schema").filter(|s| s.is_mapping()) else {
            return self.problem(
                SCHEMA_FILE,
                &[Step::key("schema")],
                "has no top-level `schema` mapping; Proton reads the schema from `schema:`"
                    .to_string(),
            );
        };
        let openapi = get(schema, "format").and_then(|f| get(f, "openapi"));
        if openapi.and_then(Yaml::as_str) != Some("3.0.0") {
            let found = openapi.map_or("missing".to_string(), |v| Shown(v).to_string());
            self.problem(
                SCHEMA_FILE,
                &path(&["schema", "format", "openapi"]),
                format!("schema.format.openapi is {found}; Proton requires \"3.0.0\""),
            );
        }
        let types = get(schema, "types").and_then(Yaml::as_mapping);
        if types.is_none() {
            self.problem(
                SCHEMA_FILE,
                &path(&["schema", "types"]),
                "schema.types is missing or not a mapping; Proton requires the types the input types name".to_string(),
            );
        }
        let defined = |name: &str| types.and_then(|t| t.get(name));
        let (required, forbidden) = expect.input_types();
        for key in required {
            let Some(value) = get(schema, key) else {
                self.problem(
                    SCHEMA_FILE,
                    &path(&["schema", key]),
                    format!(
                        "schema.{key} is missing; {} {} names its input type there",
                        expect.kind().article(),
                        expect.kind().noun()
                    ),
                );
                continue;
            };
            let Some(name) = value.as_str() else {
                self.problem(
                    SCHEMA_FILE,
                    &path(&["schema", key]),
                    format!("schema.{key} must name a type in schema.types"),
                );
                continue;
            };
            match defined(name) {
                None if types.is_some() => self.problem(
                    SCHEMA_FILE,
                    &path(&["schema", key]),
                    format!(
                        "schema.{key} names the type '{name}', which schema.types does not define"
                    ),
                ),
                None => {}
                Some(ty) => {
                    let properties = get(ty, "properties").and_then(Yaml::as_mapping);
                    if properties.is_none_or(|p| p.is_empty()) {
                        self.problem(
                            SCHEMA_FILE,
                            &path(&["schema", "types", name]),
                            format!("the type '{name}' ({key}) has no properties; Proton refuses a schema without inputs, so give it at least one"),
                        );
                    }
                }
            }
        }
        for key in forbidden {
            if get(schema, key).is_some() {
                self.problem(
                    SCHEMA_FILE,
                    &path(&["schema", key]),
                    format!("schema.{key} is set, but this service template provisions no pipeline; Proton expects it only in a template with a pipeline"),
                );
            }
        }
        if let Some(types) = types {
            let mut refs = Vec::new();
            let mut at = path(&["schema", "types"]);
            references(&Yaml::Mapping(types.clone()), &mut at, &mut refs);
            for (at, target) in refs {
                let name = target
                    .strip_prefix("#/")
                    .filter(|name| types.contains_key(*name));
                if name.is_none() {
                    self.problem(
                        SCHEMA_FILE,
                        &at,
                        format!("$ref '{target}' does not name a type; Proton's schemas refer to a type in schema.types as \"#/TypeName\""),
                    );
                }
            }
        }
    }

    /// `environment/schema/schema.yaml` when the bundle's only top-level directory holds the
    /// schema: the `tar -zcvf bundle.tar.gz environment/` layout of the samples (§3.7).
    fn wrapped_schema(&self) -> Option<String> {
        let first = self.files.keys().next()?;
        let (top, _) = first.split_once('/')?;
        let wrapped = format!("{top}/{SCHEMA_FILE}");
        self.files.contains_key(wrapped.as_str()).then_some(wrapped)
    }

    /// Rule 9 (bundles.md §3.1) and rule 12 (§3.3, §3.4) for one infrastructure directory.
    fn check_infrastructure(&mut self, dir: &str, expect: Expectation) {
        let manifest = format!("{dir}/{MANIFEST_NAME}");
        let Some(data) = self.files.get(manifest.as_str()) else {
            let message = match self.under(dir).next() {
                Some(_) => {
                    format!("missing; Proton reads the templates of {dir}/ from its manifest")
                }
                None => format!(
                    "missing; {} {} bundle{} has {dir}/ with a manifest.yaml",
                    expect.kind().article(),
                    expect.kind().noun(),
                    match expect {
                        Expectation::Environment { .. } =>
                            " (unless the template is customer-managed)",
                        Expectation::Service { .. } if dir == "pipeline_infrastructure" =>
                            " with a pipeline",
                        Expectation::Service { .. } => "",
                    }
                ),
            };
            self.problems.push(Problem::new(&manifest, message));
            return;
        };
        if data.len() > MAX_MANIFEST_BYTES {
            self.problems.push(Problem::new(
                &manifest,
                format!(
                    "{} bytes; Proton's limit for a manifest is {MAX_MANIFEST_BYTES} bytes (50 KB)",
                    data.len()
                ),
            ));
        }
        let Some(document) = self.yaml.get(manifest.as_str()).cloned() else {
            return; // It does not parse, which rule 10 reports.
        };
        let templates = get(&document, "infrastructure")
            .and_then(|i| get(i, "templates"))
            .and_then(Yaml::as_sequence)
            .filter(|t| !t.is_empty());
        let Some(templates) = templates else {
            return self.problem(
                &manifest,
                &path(&["infrastructure", "templates"]),
                "infrastructure.templates lists no templates; Proton needs at least one"
                    .to_string(),
            );
        };
        let mut cloudformation = 0;
        for (index, template) in templates.iter().enumerate() {
            let at = |key: &str| {
                let mut at = path(&["infrastructure", "templates"]);
                at.push(Step::Index(index));
                if !key.is_empty() {
                    at.push(Step::key(key));
                }
                at
            };
            let entry = format!("infrastructure.templates[{index}]");
            let engine = get(template, "rendering_engine").and_then(Yaml::as_str);
            let language = get(template, "template_language").and_then(Yaml::as_str);
            match (engine, language) {
                (Some("codebuild"), _) => self.check_codebuild(&manifest, template, &entry, &at),
                (Some("jinja"), Some("cloudformation")) => {
                    cloudformation += 1;
                    let named = self.check_template_file(dir, &manifest, template, &entry, &at, false);
                    self.jinja_templates.extend(named);
                }
                (Some("hcl"), Some("terraform")) => {
                    self.check_template_file(dir, &manifest, template, &entry, &at, true);
                }
                _ => self.problem(
                    &manifest,
                    &at(if engine.is_some() { "rendering_engine" } else { "" }),
                    format!(
                        "{entry} has rendering_engine {} and template_language {}; Proton accepts jinja with cloudformation, hcl with terraform, or codebuild",
                        engine.unwrap_or("(none)"),
                        language.unwrap_or("(none)"),
                    ),
                ),
            }
        }
        if cloudformation > 1 {
            self.problem(
                &manifest,
                &path(&["infrastructure", "templates"]),
                format!("lists {cloudformation} CloudFormation templates; with CloudFormation Proton takes a single file"),
            );
        }
    }

    /// A CloudFormation or Terraform entry's `file`: it exists, within the size limit. The
    /// files it names.
    fn check_template_file(
        &mut self,
        dir: &str,
        manifest: &str,
        template: &Yaml,
        entry: &str,
        at: &dyn Fn(&str) -> Vec<Step>,
        terraform: bool,
    ) -> Vec<&'f str> {
        let Some(file) = get(template, "file").and_then(Yaml::as_str) else {
            self.problem(
                manifest,
                &at(""),
                format!("{entry} has no `file`; Proton renders the file it names"),
            );
            return Vec::new();
        };
        let named: Vec<&str> = match file {
            // "The wildcard only includes files whose names end with `.tf`" (§3.3).
            "*" if terraform => {
                let prefix = format!("{dir}/");
                let tf: Vec<&str> = (self.under(dir))
                    .filter(|path| {
                        let name = path.strip_prefix(&prefix).unwrap_or(path);
                        !name.contains('/') && name.ends_with(".tf")
                    })
                    .collect();
                if tf.is_empty() {
                    self.problem(
                        manifest,
                        &at("file"),
                        format!("{entry}.file is \"*\", the .tf files of {dir}/, and it has none"),
                    );
                }
                tf
            }
            "*" => {
                self.problem(
                    manifest,
                    &at("file"),
                    format!(
                        "{entry}.file is \"*\"; with CloudFormation Proton takes one named file"
                    ),
                );
                Vec::new()
            }
            name => {
                let path = format!("{dir}/{name}");
                match self.files.get_key_value(path.as_str()) {
                    Some((path, _)) => vec![*path],
                    None => {
                        self.problem(
                            manifest,
                            &at("file"),
                            format!("{entry}.file names '{name}', which is not in {dir}/"),
                        );
                        Vec::new()
                    }
                }
            }
        };
        for path in &named {
            let size = self.files.get(path).map_or(0, |data| data.len());
            if size > MAX_TEMPLATE_FILE_BYTES {
                self.problems.push(Problem::new(
                    path,
                    format!("{size} bytes; Proton's limit for a template file is {MAX_TEMPLATE_FILE_BYTES} bytes (200 KB)"),
                ));
            }
        }
        named
    }

    /// A CodeBuild entry names no file; its `settings` list the commands (§3.3).
    fn check_codebuild(
        &mut self,
        manifest: &str,
        template: &Yaml,
        entry: &str,
        at: &dyn Fn(&str) -> Vec<Step>,
    ) {
        if get(template, "file").is_some() {
            self.problem(
                manifest,
                &at("file"),
                format!("{entry} has a `file`, but CodeBuild provisioning takes none: its settings list the commands, and the bundle holds the files they use"),
            );
        }
        let Some(settings) = get(template, "settings").filter(|s| s.is_mapping()) else {
            return self.problem(
                manifest,
                &at(""),
                format!("{entry} has no `settings`; CodeBuild provisioning needs settings.provision and settings.deprovision"),
            );
        };
        for commands in ["provision", "deprovision"] {
            let listed = get(settings, commands)
                .and_then(Yaml::as_sequence)
                .is_some_and(|list| !list.is_empty() && list.iter().all(Yaml::is_string));
            if !listed {
                let mut at = at("settings");
                at.push(Step::key(commands));
                self.problem(
                    manifest,
                    &at,
                    format!("{entry}.settings.{commands} must list the commands CodeBuild runs to {commands}"),
                );
            }
        }
    }

    /// Rule 9: a directory the template's provisioning rules out (bundles.md §3.1).
    fn refuse_directory(&mut self, dir: &str, expect: Expectation) {
        if self.under(dir).next().is_none() {
            return;
        }
        let why = match expect {
            Expectation::Environment { .. } => "the environment template is customer-managed, and Proton refuses infrastructure files in its bundle",
            Expectation::Service { .. } => "the service template provisions no pipeline (pipelineProvisioning CUSTOMER_MANAGED), and Proton expects no pipeline in its bundle",
        };
        self.problems.push(Problem::new(
            &format!("{dir}/"),
            format!("present, but {why}"),
        ));
    }
}

fn path(keys: &[&str]) -> Vec<Step> {
    keys.iter().map(|key| Step::key(key)).collect()
}

/// Every `$ref` under `value`, with where it is.
fn references(value: &Yaml, at: &mut Vec<Step>, found: &mut Vec<(Vec<Step>, String)>) {
    match value {
        Yaml::Mapping(map) => {
            for (key, value) in map {
                let Some(key) = key.as_str() else { continue };
                at.push(Step::key(key));
                match (key, value.as_str()) {
                    ("$ref", Some(target)) => found.push((at.clone(), target.to_string())),
                    _ => references(value, at, found),
                }
                at.pop();
            }
        }
        Yaml::Sequence(items) => {
            for (index, item) in items.iter().enumerate() {
                at.push(Step::Index(index));
                references(item, at, found);
                at.pop();
            }
        }
        _ => {}
    }
}

/// A YAML scalar as the user wrote it, near enough for a message.
struct Shown<'a>(&'a Yaml);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Yaml::String(s) => write!(f, "\"{s}\""),
            Yaml::Number(n) => write!(f, "{n}"),
            Yaml::Bool(b) => write!(f, "{b}"),
            Yaml::Null => f.write_str("null"),
            _ => f.write_str("not a string"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use tempfile::TempDir;

    use super::*;
    use crate::bundle::fixtures::{edit, tree, ENVIRONMENT_SCHEMA};

    const ENVIRONMENT: Expectation = Expectation::Environment {
        customer_managed: false,
    };
    const CUSTOMER_MANAGED: Expectation = Expectation::Environment {
        customer_managed: true,
    };
    const WITH_PIPELINE: Expectation = Expectation::Service { pipeline: true };
    const WITHOUT_PIPELINE: Expectation = Expectation::Service { pipeline: false };

    // Paths of the bundle, spelled out rather than taken from the code under test.
    const SCHEMA: &str = "schema/schema.yaml";
    const MANIFEST: &str = "infrastructure/manifest.yaml";
    const TEMPLATE: &str = "infrastructure/cloudformation.yaml";
    const CFN_MANIFEST: &str = "infrastructure:\n  templates:\n    - file: \"cloudformation.yaml\"\n      rendering_engine: jinja\n      template_language: cloudformation\n";
    const CFN_TEMPLATE: &str = "Resources:\n  VPC:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: '{{ environment.inputs.vpc_cidr }}'\n";
    /// As in the user guide's pipeline example: Jinja statements on lines of their own, so
    /// YAML only once rendered.
    const JINJA_TEMPLATE: &str = "Resources:\n{% for service_instance in service_instances %}\n  Deploy{{loop.index}}Project:\n    Type: AWS::CodeBuild::Project\n{% endfor %}\n";
    const TF_MANIFEST: &str = "infrastructure:\n  templates:\n    - file: \"*\"\n      rendering_engine: hcl\n      template_language: terraform\n";
    const CODEBUILD_MANIFEST: &str = "infrastructure:\n  templates:\n    - rendering_engine: codebuild\n      settings:\n        image: aws/codebuild/amazonlinux2-x86_64-standard:4.0\n        runtimes:\n          nodejs: 16\n        provision:\n          - npm install\n          - npm run deploy\n        deprovision:\n          - npm run destroy\n";
    const SERVICE_SCHEMA: &str = "schema:\n  format:\n    openapi: \"3.0.0\"\n  service_input_type: \"ServiceInput\"\n  pipeline_input_type: \"PipelineInput\"\n  types:\n    ServiceInput:\n      type: object\n      properties:\n        port:\n          type: number\n    PipelineInput:\n      type: object\n      properties:\n        unit_test_command:\n          type: string\n";

    type Files = Vec<(&'static str, String)>;

    /// A valid CloudFormation environment bundle.
    fn environment() -> Files {
        vec![
            (SCHEMA, ENVIRONMENT_SCHEMA.to_string()),
            (MANIFEST, CFN_MANIFEST.to_string()),
            (TEMPLATE, CFN_TEMPLATE.to_string()),
        ]
    }

    /// [`SERVICE_SCHEMA`], without its pipeline input type unless `pipeline`.
    fn service_schema(pipeline: bool) -> String {
        if pipeline {
            return SERVICE_SCHEMA.to_string();
        }
        let schema = edit(
            SERVICE_SCHEMA,
            "  pipeline_input_type: \"PipelineInput\"\n",
            "",
        );
        edit(&schema, "    PipelineInput:\n      type: object\n      properties:\n        unit_test_command:\n          type: string\n", "")
    }

    /// A valid CloudFormation service bundle, with a pipeline if `pipeline`.
    fn service(pipeline: bool) -> Files {
        let mut files = vec![
            (SCHEMA, service_schema(pipeline)),
            (
                "instance_infrastructure/manifest.yaml",
                CFN_MANIFEST.to_string(),
            ),
            (
                "instance_infrastructure/cloudformation.yaml",
                CFN_TEMPLATE.to_string(),
            ),
        ];
        if pipeline {
            files.push((
                "pipeline_infrastructure/manifest.yaml",
                CFN_MANIFEST.to_string(),
            ));
            files.push((
                "pipeline_infrastructure/cloudformation.yaml",
                CFN_TEMPLATE.to_string(),
            ));
        }
        files
    }

    /// A temporary directory holding `files`.
    fn bundle_dir<P: AsRef<str>>(files: &[(P, String)]) -> TempDir {
        let files: Vec<(&str, &str)> = (files.iter())
            .map(|(path, text)| (path.as_ref(), text.as_str()))
            .collect();
        tree(&files)
    }

    fn check_files<P: AsRef<str>>(files: &[(P, String)], expect: Expectation) -> Vec<Problem> {
        check(bundle_dir(files).path(), &[], &[expect])
    }

    /// `files` with `path` replaced by (or added as) `text`.
    fn with(mut files: Files, path: &'static str, text: &str) -> Files {
        files.retain(|(p, _)| *p != path);
        files.push((path, text.to_string()));
        files
    }

    fn without(mut files: Files, prefix: &str) -> Files {
        files.retain(|(p, _)| !p.starts_with(prefix));
        files
    }

    /// Where a problem must be: its file, its line, and its column when `Some` (a `None`
    /// column is not checked; a `None` line is).
    type At = (&'static str, Option<usize>, Option<usize>);

    /// How `problems` differ from exactly one problem at `at` whose message contains `says`.
    fn mismatch(problems: &[Problem], (file, line, column): At, says: &str) -> Option<String> {
        let [problem] = problems else {
            return Some(format!(
                "{} problems, not one: {problems:#?}",
                problems.len()
            ));
        };
        let wrong = problem.file != file
            || problem.line != line
            || column.is_some_and(|column| problem.column != Some(column))
            || !problem.message.contains(says);
        wrong.then(|| {
            format!("expected one problem in '{file}' at line {line:?}, column {column:?}, saying {says:?}; found {problem:#?}")
        })
    }

    /// Asserts exactly one problem at `at`, saying `says`.
    #[track_caller]
    fn one(problems: &[Problem], at: At, says: &str) {
        if let Some(mismatch) = mismatch(problems, at, says) {
            panic!("{mismatch}");
        }
    }

    #[test]
    fn valid_bundles_of_every_provisioning_pass() {
        let terraform = vec![
            (SCHEMA, ENVIRONMENT_SCHEMA.to_string()),
            (MANIFEST, TF_MANIFEST.to_string()),
            (
                "infrastructure/main.tf",
                "resource \"aws_vpc\" \"this\" {}\n".to_string(),
            ),
            ("infrastructure/outputs.tf", "".to_string()),
            ("infrastructure/lambda.zip", "PK\u{3}\u{4}".to_string()),
        ];
        let codebuild = vec![
            (SCHEMA, ENVIRONMENT_SCHEMA.to_string()),
            (MANIFEST, CODEBUILD_MANIFEST.to_string()),
            ("infrastructure/package.json", "{}".to_string()),
            ("infrastructure/deploy.sh", "#!/bin/sh\n".to_string()),
        ];
        let schema_only = vec![(SCHEMA, ENVIRONMENT_SCHEMA.to_string())];
        let jinja = with(environment(), TEMPLATE, JINJA_TEMPLATE);
        let cases = [
            ("a CloudFormation environment", environment(), ENVIRONMENT),
            ("a Terraform environment", terraform, ENVIRONMENT),
            ("a CodeBuild environment", codebuild, ENVIRONMENT),
            (
                "a customer-managed environment",
                schema_only,
                CUSTOMER_MANAGED,
            ),
            ("a service with a pipeline", service(true), WITH_PIPELINE),
            ("a service without one", service(false), WITHOUT_PIPELINE),
            (
                "a manifest's Jinja template, not YAML before rendering",
                jinja,
                ENVIRONMENT,
            ),
        ];
        let failures: Vec<String> = (cases.iter())
            .filter_map(|(what, files, expect)| {
                let problems = check_files(files, *expect);
                (!problems.is_empty()).then(|| format!("{what}: {problems:#?}"))
            })
            .collect();
        assert!(failures.is_empty(), "{failures:#?}");
    }

    /// A bundle that breaks one rule, and the one problem the check must report: what the
    /// case is, the bundle's files, the template it registers under, where the problem is,
    /// and what its message says.
    type Refused = (&'static str, Files, Expectation, At, &'static str);

    #[rustfmt::skip] // One line a case.
    fn refused() -> Vec<Refused> {
        let schema = |text: &str| with(environment(), SCHEMA, text);
        let manifest = |text: &str| with(environment(), MANIFEST, text);
        let env_schema = |from: &str, to: &str| schema(&edit(ENVIRONMENT_SCHEMA, from, to));
        let codebuild = |from: &str, to: &str| manifest(&edit(CODEBUILD_MANIFEST, from, to));
        let oversized = |text: &str, limit: usize| format!("{text}# {}\n", "x".repeat(limit));
        let no_types = "schema:\n  format:\n    openapi: \"3.0.0\"\n  environment_input_type: \"EnvironmentInput\"\n";
        let no_properties = "schema:\n  format:\n    openapi: \"3.0.0\"\n  environment_input_type: \"In\"\n  types:\n    In:\n      type: object\n      properties: {}\n";
        let one_cloudformation = edit(CFN_MANIFEST, "infrastructure:\n  templates:\n", "");
        let two_cloudformation = format!("{CFN_MANIFEST}{one_cloudformation}");
        // Only the directory's own .tf files count, not a subdirectory's.
        let no_tf_files = vec![
            (SCHEMA, ENVIRONMENT_SCHEMA.to_string()),
            (MANIFEST, TF_MANIFEST.to_string()),
            ("infrastructure/README.txt", "".to_string()),
            ("infrastructure/modules/vpc.tf", "".to_string()),
        ];
        vec![
            // Rule 9: layout.
            ("a missing schema", without(environment(), "schema/"), ENVIRONMENT, (SCHEMA, None, None), "missing"),
            ("a missing infrastructure directory", without(environment(), "infrastructure/"), ENVIRONMENT, (MANIFEST, None, None), "customer-managed"),
            ("a missing manifest beside templates", without(environment(), MANIFEST), ENVIRONMENT, (MANIFEST, None, None), "from its manifest"),
            ("infrastructure in a customer-managed environment", environment(), CUSTOMER_MANAGED, ("infrastructure/", None, None), "customer-managed"),
            ("a service without instance infrastructure", without(service(false), "instance_infrastructure/"), WITHOUT_PIPELINE, ("instance_infrastructure/manifest.yaml", None, None), "missing"),
            ("a pipeline service without pipeline infrastructure", without(service(true), "pipeline_infrastructure/"), WITH_PIPELINE, ("pipeline_infrastructure/manifest.yaml", None, None), "with a pipeline"),
            ("pipeline infrastructure without a pipeline", with(service(false), "pipeline_infrastructure/manifest.yaml", CFN_MANIFEST), WITHOUT_PIPELINE, ("pipeline_infrastructure/", None, None), "provisions no pipeline"),
            // Rule 10: YAML.
            ("a YAML file that does not parse", with(environment(), "infrastructure/extra.yml", "a: 1\n  b: 2\n"), ENVIRONMENT, ("infrastructure/extra.yml", Some(2), Some(4)), "not valid YAML"),
            ("Jinja text in a file no manifest renders", with(environment(), "infrastructure/other.yaml", JINJA_TEMPLATE), ENVIRONMENT, ("infrastructure/other.yaml", Some(2), Some(2)), "not valid YAML"),
            // Rule 11: the schema.
            ("a schema without the schema mapping", schema("types: {}\n"), ENVIRONMENT, (SCHEMA, Some(1), Some(1)), "no top-level `schema`"),
            ("a wrong OpenAPI version", env_schema("\"3.0.0\"", "3.1.0"), ENVIRONMENT, (SCHEMA, Some(3), Some(14)), "\"3.1.0\"; Proton requires \"3.0.0\""),
            ("a missing types mapping", schema(no_types), ENVIRONMENT, (SCHEMA, Some(2), Some(3)), "schema.types is missing"),
            ("a service schema where an environment's is expected", schema(&service_schema(false)), ENVIRONMENT, (SCHEMA, Some(2), None), "schema.environment_input_type is missing; an environment template"),
            ("no pipeline_input_type in a service with a pipeline", with(service(true), SCHEMA, &service_schema(false)), WITH_PIPELINE, (SCHEMA, Some(2), None), "schema.pipeline_input_type is missing; a service template"),
            ("a pipeline input type without a pipeline", with(service(false), SCHEMA, &service_schema(true)), WITHOUT_PIPELINE, (SCHEMA, Some(5), Some(24)), "provisions no pipeline"),
            ("an input type naming an undefined type", env_schema("environment_input_type: \"EnvironmentInput\"", "environment_input_type: \"Nope\""), ENVIRONMENT, (SCHEMA, Some(4), Some(27)), "'Nope', which schema.types does not define"),
            ("an input type without properties", schema(no_properties), ENVIRONMENT, (SCHEMA, Some(7), Some(7)), "has no properties"),
            ("a $ref to an undefined type", env_schema("#/Subnet", "#/components/schemas/Subnet"), ENVIRONMENT, (SCHEMA, Some(15), Some(19)), "'#/components/schemas/Subnet' does not name a type"),
            // Rule 12: manifests.
            ("a manifest without templates", manifest("infrastructure:\n  templates: []\n"), ENVIRONMENT, (MANIFEST, Some(2), Some(14)), "lists no templates"),
            ("an unknown engine and language pair", manifest(&edit(CFN_MANIFEST, "rendering_engine: jinja", "rendering_engine: hcl")), ENVIRONMENT, (MANIFEST, Some(4), Some(25)), "rendering_engine hcl and template_language cloudformation"),
            ("a named template file that is missing", without(environment(), TEMPLATE), ENVIRONMENT, (MANIFEST, Some(3), Some(13)), "names 'cloudformation.yaml', which is not in infrastructure/"),
            ("a Terraform wildcard without .tf files", no_tf_files, ENVIRONMENT, (MANIFEST, Some(3), Some(13)), "the .tf files of infrastructure/, and it has none"),
            ("a CodeBuild entry without deprovision commands", codebuild("        deprovision:\n          - npm run destroy\n", ""), ENVIRONMENT, (MANIFEST, Some(5), Some(9)), "settings.deprovision must list the commands"),
            ("a CodeBuild entry with a file", codebuild("    - rendering_engine: codebuild\n", "    - rendering_engine: codebuild\n      file: deploy.sh\n"), ENVIRONMENT, (MANIFEST, Some(4), Some(13)), "CodeBuild provisioning takes none"),
            ("two CloudFormation templates in one manifest", manifest(&two_cloudformation), ENVIRONMENT, (MANIFEST, Some(3), None), "single file"),
            // Sizes (rules 11 and 12).
            ("a template file over 200 KB", with(environment(), TEMPLATE, &oversized(CFN_TEMPLATE, MAX_TEMPLATE_FILE_BYTES)), ENVIRONMENT, (TEMPLATE, None, None), "limit for a template file"),
            ("a manifest over 50 KB", manifest(&oversized(CFN_MANIFEST, MAX_MANIFEST_BYTES)), ENVIRONMENT, (MANIFEST, None, None), "limit for a manifest"),
            ("a schema over 51,200 characters", schema(&oversized(ENVIRONMENT_SCHEMA, MAX_SCHEMA_CHARS)), ENVIRONMENT, (SCHEMA, None, None), "limit for a schema"),
        ]
    }

    #[test]
    fn each_refused_bundle_reports_its_one_problem_where_it_is() {
        let failures: Vec<String> = (refused().into_iter())
            .filter_map(|(what, files, expect, at, says)| {
                let mismatch = mismatch(&check_files(&files, expect), at, says)?;
                Some(format!("{what}: {mismatch}"))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }

    #[test]
    fn problems_display_as_file_line_column_message() {
        let problem = Problem {
            file: "schema/schema.yaml".into(),
            line: Some(12),
            column: Some(3),
            message: "wrong".into(),
        };
        assert_eq!(problem.to_string(), "schema/schema.yaml:12:3: wrong");
        let whole = Problem::new("", "too big".into());
        assert_eq!(whole.to_string(), "too big");
        assert_eq!(Problem::new("a/", "x".into()).to_string(), "a/: x");
    }

    #[test]
    fn a_build_error_is_one_problem_for_the_whole_bundle() {
        let dir = tree(&[]);
        let problems = check(&dir.path().join("nope"), &[], &[ENVIRONMENT]);
        one(&problems, ("", None, None), "does not exist");
    }

    #[test]
    fn a_bundle_wrapped_in_one_directory_is_pointed_at_the_right_one() {
        let wrapped: Vec<(String, String)> = (environment().into_iter())
            .map(|(p, t)| (format!("environment/{p}"), t))
            .collect();
        let problems = check_files(&wrapped, ENVIRONMENT);
        assert!(
            problems.iter().any(|p| p.file == "schema/schema.yaml"
                && p.message.contains("environment/schema/schema.yaml")),
            "{problems:#?}"
        );
    }

    #[test]
    fn a_schema_that_does_not_parse_is_reported_once() {
        let files = with(environment(), SCHEMA, "schema:\n  format: [\n");
        let problems = check_files(&files, ENVIRONMENT);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(problems[0].file, "schema/schema.yaml");
        assert!(problems[0].line.is_some());
    }

    #[test]
    fn a_bundle_over_5_mb_compressed_is_refused() {
        // Incompressible bytes: a xorshift stream, hex-free so the file is not YAML-checked.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let noise: Vec<u8> = (0..MAX_BUNDLE_BYTES + 64 * 1024)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let dir = bundle_dir(&environment());
        std::fs::write(dir.path().join("infrastructure/noise.bin"), noise).unwrap();
        let problems = check(dir.path(), &[], &[ENVIRONMENT]);
        one(
            &problems,
            ("", None, None),
            "Proton's limit is 5242880 bytes",
        );
    }

    #[test]
    fn problems_are_sorted_by_file_then_line() {
        let schema = edit(ENVIRONMENT_SCHEMA, "\"3.0.0\"", "\"2.0\"");
        let schema = edit(&schema, "#/Subnet", "#/Nope");
        let mut files = with(environment(), SCHEMA, &schema);
        files = with(files, "a.yaml", "[");
        files = without(files, TEMPLATE);
        let problems = check_files(&files, ENVIRONMENT);
        let places: Vec<(&str, Option<usize>)> =
            problems.iter().map(|p| (p.file.as_str(), p.line)).collect();
        assert_eq!(
            places,
            [
                ("a.yaml", Some(2)),
                ("infrastructure/manifest.yaml", Some(3)),
                ("schema/schema.yaml", Some(3)),
                ("schema/schema.yaml", Some(15)),
            ]
        );
    }
}
