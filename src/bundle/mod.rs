//! Template bundles built from a directory: the deterministic `.tar.gz` Proton registers, the
//! checks a plan can run on it before anything is uploaded, and the schema compatibility of a
//! new minor version. Pure: plain inputs and outputs, no Terraform values, no AWS calls.
//! Sources are `bundles.md` in the project's shared reference (section numbers below).
//!
//! # Rules
//!
//! Building ([`build`]):
//!
//! 1. **Contents.** The directory's regular files, at the archive root (`schema/schema.yaml`,
//!    `infrastructure/manifest.yaml`), by `/`-separated paths relative to the directory.
//!    Directories are not entries: their files imply them, and git cannot hold an empty one,
//!    so a fresh clone and a working copy with a leftover empty directory build the same bytes.
//! 2. **Left out.** `.git` (directory or file) and `.DS_Store` anywhere; the files template
//!    sync keeps beside a bundle, `.template-registration.yaml` and `.compatible-envs`
//!    (§2.1, §2.3), anywhere; and paths matching the caller's exclude globs, relative to the
//!    directory (`*` stays within one path segment, `**` crosses them; a leading `./` is
//!    ignored; a pattern matching a directory leaves out everything under it). An invalid
//!    glob is an error naming it.
//! 3. **Refused.** Symbolic links, naming the link: following one would put files from
//!    outside the directory into the bundle unseen, and template sync, which registers what
//!    git holds, would see a link rather than its target. Also refused: names that are not
//!    UTF-8, special files (sockets, pipes, devices), a missing or unreadable directory or
//!    file; each error names the path.
//! 4. **Order.** Entries sorted by the byte order of their paths.
//! 5. **Headers.** POSIX ustar; mode 0755 for a file with any executable bit, else 0644;
//!    uid and gid 0, empty user and group names, mtime 0; no PAX or GNU extension headers.
//!    A path that ustar cannot hold (over 100 bytes after a split at a `/` into a prefix of at
//!    most 155) is refused rather than written in a non-standard form.
//! 6. **Compression.** gzip without a file name or comment, mtime 0, OS byte 255 ("unknown"),
//!    level 9.
//! 7. **Identity.** [`Built::sha256`] is the SHA-256 of the archive bytes. Rules 1–6 make it
//!    independent of the machine, the directory's location, mtimes, owners and copies; it
//!    depends on the compressor's output, which `Cargo.lock` pins (a test pins a known hash,
//!    so an upgrade that changes the bytes fails it). [`content_key`] names the S3 object by
//!    that hash, so a bundle is uploaded once and never overwritten (§2.6).
//!
//! Checking ([`check`]) runs on the files of rules 1–3 and reports every problem found, sorted
//! by file, line and column:
//!
//! 8. **Size.** The compressed bundle is at most 5 MiB (§3.4).
//! 9. **Layout** (§3.1). `schema/schema.yaml` exists. An environment has
//!    `infrastructure/manifest.yaml`, unless customer-managed, when nothing may be under
//!    `infrastructure/`. A service has `instance_infrastructure/manifest.yaml`, and
//!    `pipeline_infrastructure/manifest.yaml` if it provisions a pipeline, else nothing under
//!    `pipeline_infrastructure/`.
//! 10. **YAML** (§3.1). Every `*.yaml` and `*.yml` file parses (every document of it), with
//!     the line and column of a parse error; except the files a manifest renders with Jinja,
//!     which Proton parses only once rendered (the user guide's pipeline example has
//!     `{% for %}` lines).
//! 11. **Schema** (§3.2, §3.4). At most 51,200 characters; a `schema` mapping with
//!     `format.openapi: "3.0.0"` and a `types` mapping; the input-type keys of the kind
//!     (`environment_input_type`; `service_input_type`, and `pipeline_input_type` exactly when
//!     the service provisions a pipeline), each naming a type in `types` that has at least one
//!     property; every `$ref` is `#/<a type in types>`.
//! 12. **Manifests** (§3.3, §3.4). Each manifest of rule 9 is at most 50 KiB and lists at least
//!     one entry in `infrastructure.templates`. Each entry pairs `rendering_engine` and
//!     `template_language` as `jinja` + `cloudformation` (one file per manifest), `hcl` +
//!     `terraform`, or is `rendering_engine: codebuild`, which has no `file` and has
//!     `settings.provision` and `settings.deprovision` command lists. A named file exists in
//!     the manifest's directory; Terraform's `file: "*"` means the directory's `.tf` files, of
//!     which there must be at least one. Each template file is at most 200 KiB.
//!
//! Compatibility ([`incompatibilities`]):
//!
//! 13. A new minor version's schema must keep every input type and property of its major's
//!     current one, keep each property's `type`, and add no `required` property without a
//!     `default` (§3.2: Proton's rule is not published; these are the cases it names). Input
//!     types are compared by their key (`environment_input_type`), not by the name of the type
//!     they point to, because a spec's inputs follow the key.

mod build;
mod check;
mod compat;
mod files;
#[cfg(test)]
mod fixtures;
mod yaml;

pub use build::{build, content_key, BuildError, Built};
pub use check::{check, Expectation, Problem};
pub use compat::incompatibilities;
