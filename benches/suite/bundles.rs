//! Section 7: version resources whose `source` is a bundle directory.
//!
//! (a) Per CLI, against one proton-local: `bundle_versions` small bundle directories (schema,
//! manifest, one CloudFormation file; each a little different, so each is its own bundle) and
//! the same bundles, built once by `bundle::build`, as objects in the bucket (files under
//! proton-local's `--bundle-dir`, where a directory is a bucket). Two working directories, two
//! templates: one configuration with `source { s3 { … } }`, one with
//! `source { directory = …, bucket = …, key_prefix = … }`, the same provider block (S3
//! endpoint and path-style) and the same descriptions. Each is applied once, then `terraform
//! plan` (refresh included; `-detailed-exitcode`, so no changes) is timed alternately on both,
//! with the provider processes sampled; one more traced run of each counts Terraform's calls to
//! the provider. The bundles of the directories are also built in-process, as the directory
//! plan builds them, to show what that costs alone.
//!
//! (b) `bundle::build` of one generated directory near Proton's 5 MiB limit (text files and
//! incompressible bytes), in-process (the release profile under `cargo bench`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use terraform_provider_proton::bundle;

use super::adopt::{counts, measure, Series};
use super::report::{cpu_ms, spread, verdict};
use super::{loadavg, median, percentile, runtime, secs, Config};
use crate::support::proton_local::TemplateKind::Environment;
use crate::support::proton_local::{bundle_files, Options, ProtonLocal};
use crate::support::terraform::{Cli, Run};

/// The bucket of both configurations (a directory under proton-local's `--bundle-dir`).
const BUCKET: &str = "bundles";
/// Where the `s3` configuration's objects are, and the directory configuration's key prefix.
const S3_PREFIX: &str = "s3/";
const DIR_PREFIX: &str = "dir/";
/// Target of (a): the directory plan's median over the `s3` plan's.
const TARGET_RATIO: f64 = 1.1;
/// Proton's limit on a compressed bundle.
const PROTON_LIMIT: usize = 5 * 1024 * 1024;

/// (a) on one CLI.
#[derive(Debug)]
pub struct PlanPair {
    pub cli: Cli,
    pub s3: Series,
    pub directory: Series,
    /// The one apply of each configuration (set-up, untimed in the comparison).
    pub s3_setup_secs: f64,
    pub directory_setup_secs: f64,
}

impl PlanPair {
    /// Median directory plan over median `s3` plan.
    pub fn ratio(&self) -> f64 {
        self.directory.ratio_to(&self.s3)
    }
}

/// (b): the large bundle and its build times.
#[derive(Debug, Default)]
pub struct LargeBuild {
    /// Bytes of the files in the directory.
    pub input_bytes: u64,
    /// The archive: its size and the files it holds (every file of the directory).
    pub archive_bytes: usize,
    pub archive_files: usize,
    /// Wall time of each timed `bundle::build`, seconds.
    pub runs: Vec<f64>,
}

impl LargeBuild {
    /// Input megabytes (10^6 bytes) per second at the median time.
    pub fn throughput_mb_s(&self) -> f64 {
        self.input_bytes as f64 / 1e6 / median(&self.runs)
    }
}

/// Everything section 7 measured.
#[derive(Debug, Default)]
pub struct BundleResults {
    pub plans: Vec<PlanPair>,
    /// In-process: building all the small bundles of (a) once, seconds per pass.
    pub small_builds: Vec<f64>,
    /// Bytes of one small bundle directory's files and of its archive (the first one's).
    pub small_input_bytes: u64,
    pub small_archive_bytes: usize,
    pub large: LargeBuild,
    /// `/proc/loadavg` when the section started and ended.
    pub load_before: String,
    pub load_after: String,
}

/// Runs section 7; panics with Terraform's output when a step fails or a count is off.
pub fn run(config: &Config, log: &dyn Fn(&str)) -> BundleResults {
    let mut results = BundleResults {
        load_before: loadavg(),
        ..BundleResults::default()
    };
    let sources = tempfile::Builder::new()
        .prefix("bench-bundles-")
        .tempdir()
        .unwrap();
    let dirs: Vec<PathBuf> = (0..config.bundle_versions)
        .map(|i| write_small_bundle(sources.path(), i))
        .collect();
    results.small_input_bytes = tree_bytes(&dirs[0]).0;
    for cli in Cli::ALL {
        results.plans.push(plan_pair(config, cli, &dirs, log));
    }

    log(&format!(
        "bundle::build of the {} small directories, in-process",
        dirs.len()
    ));
    let build_all = || -> usize {
        dirs.iter()
            .map(|dir| bundle::build(dir, &[]).unwrap().bytes.len())
            .sum()
    };
    build_all(); // warm-up: page cache
    for _ in 0..config.bundle_build_runs {
        let start = Instant::now();
        std::hint::black_box(build_all());
        results.small_builds.push(secs(start));
    }
    results.small_archive_bytes = bundle::build(&dirs[0], &[]).unwrap().bytes.len();

    results.large = large_build(config, log);
    results.load_after = loadavg();
    results
}

/// (a) on `cli`: both configurations applied, then their plans alternated.
fn plan_pair(config: &Config, cli: Cli, dirs: &[PathBuf], log: &dyn Fn(&str)) -> PlanPair {
    let n = dirs.len();
    log(&format!(
        "{cli}: plan of {n} directory-sourced versions vs {n} with s3 sources"
    ));
    let endpoint = ProtonLocal::start_with(Options {
        registration_delay: Some("0s"),
        extra_args: Vec::new(),
    });
    runtime().block_on(async {
        endpoint.create_template(Environment, "bench-s3").await;
        endpoint.create_template(Environment, "bench-dir").await;
    });
    // The `s3` configuration's objects: the very bundles the directories build.
    for (i, dir) in dirs.iter().enumerate() {
        let built = bundle::build(dir, &[]).unwrap();
        let object = endpoint
            .bundle_dir
            .path()
            .join(BUCKET)
            .join(format!("{S3_PREFIX}b{i}.tar.gz"));
        std::fs::create_dir_all(object.parent().unwrap()).unwrap();
        std::fs::write(object, built.bytes).unwrap();
    }
    let root = dirs[0].parent().unwrap();
    let s3_source = format!(
        "  source {{\n    s3 {{\n      bucket = \"{BUCKET}\"\n      key    = \"{S3_PREFIX}b${{count.index}}.tar.gz\"\n    }}\n  }}\n"
    );
    let directory_source = format!(
        "  source {{\n    directory  = \"{}/b${{count.index}}\"\n    bucket     = \"{BUCKET}\"\n    key_prefix = \"{DIR_PREFIX}\"\n  }}\n",
        root.display()
    );
    let s3 = workdir(&endpoint, cli, "bench-s3", n, &s3_source);
    let directory = workdir(&endpoint, cli, "bench-dir", n, &directory_source);

    let apply = ["apply", "-auto-approve", "-no-color", "-input=false"];
    let setup = |dir: &super::tf::TfDir, what: &str| {
        endpoint.reset_counters();
        let start = Instant::now();
        dir.run(&apply).assert_ok(what);
        let took = secs(start);
        assert_eq!(
            endpoint.counters()["versions_created"].as_u64(),
            Some(n as u64),
            "versions created by the {what}"
        );
        took
    };
    let s3_setup_secs = setup(&s3, "apply (s3 sources)");
    let directory_setup_secs = setup(&directory, "apply (directory sources)");
    let uploaded = runtime().block_on(endpoint.list_keys(BUCKET, DIR_PREFIX));
    assert_eq!(uploaded.len(), n, "bundles uploaded: {uploaded:?}");

    let plan = ["plan", "-no-color", "-input=false", "-detailed-exitcode"];
    let s3_ok = |run: &Run| {
        run.assert_ok("plan (s3 sources, no changes)");
    };
    let directory_ok = |run: &Run| {
        run.assert_ok("plan (directory sources, no changes)");
    };
    // One untimed warm-up each (page cache, plugin cache).
    s3_ok(&s3.run(&plan));
    directory_ok(&directory.run(&plan));
    let mut pair = PlanPair {
        cli,
        s3: Series::default(),
        directory: Series::default(),
        s3_setup_secs,
        directory_setup_secs,
    };
    let version = cli.version();
    for round in 0..=config.bundle_plan_runs {
        let traced = round == config.bundle_plan_runs;
        let name = format!("bundles-s3-{version}");
        measure(&name, &mut pair.s3, traced, &endpoint, &s3, &plan, &s3_ok);
        let name = format!("bundles-directory-{version}");
        let series = &mut pair.directory;
        measure(
            &name,
            series,
            traced,
            &endpoint,
            &directory,
            &plan,
            &directory_ok,
        );
    }
    // No destroy: the endpoint, and every version in it, ends with this function.
    pair
}

/// An initialised working directory whose configuration has `n` versions of `template`, each
/// with its own description and `source` (which may use `count.index`).
fn workdir(
    endpoint: &ProtonLocal,
    cli: Cli,
    template: &str,
    n: usize,
    source: &str,
) -> super::tf::TfDir {
    let dir = super::tf::TfDir::new(cli);
    dir.write_config(&format!(
        "{}\nresource \"proton_environment_template_version\" \"v\" {{\n  count         = {n}\n  template_name = \"{template}\"\n  description   = \"bench ${{count.index}}\"\n{source}}}\n",
        endpoint.provider_block_with_s3("")
    ));
    dir.run(&["init", "-no-color", "-input=false"])
        .assert_ok("init");
    dir
}

/// A CloudFormation template of the size a small environment has (a VPC, two subnets, an
/// internet gateway), no Jinja: `{index}` makes each bundle its own.
fn cloudformation(index: usize) -> String {
    format!(
        "AWSTemplateFormatVersion: \"2010-09-09\"
Description: Bench environment {index}, a VPC with two public subnets
Resources:
  VPC:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
      EnableDnsSupport: true
      EnableDnsHostnames: true
  PublicSubnetOne:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId:
        Ref: VPC
      CidrBlock: 10.0.0.0/24
      MapPublicIpOnLaunch: true
  PublicSubnetTwo:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId:
        Ref: VPC
      CidrBlock: 10.0.1.0/24
      MapPublicIpOnLaunch: true
  InternetGateway:
    Type: AWS::EC2::InternetGateway
  GatewayAttachment:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties:
      VpcId:
        Ref: VPC
      InternetGatewayId:
        Ref: InternetGateway
Outputs:
  VpcId:
    Description: The VPC of environment {index}
    Value:
      Ref: VPC
  PublicSubnets:
    Value:
      Fn::Join:
        - \",\"
        - - Ref: PublicSubnetOne
          - Ref: PublicSubnetTwo
"
    )
}

/// `root/b{index}`: a valid environment bundle (the schema and manifest proton-local
/// registers, one CloudFormation file).
fn write_small_bundle(root: &Path, index: usize) -> PathBuf {
    let dir = root.join(format!("b{index}"));
    for (path, text) in bundle_files(Environment) {
        let text = match path {
            "infrastructure/cloudformation.yaml" => cloudformation(index),
            _ => text.to_string(),
        };
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    dir
}

/// Bytes and number of the regular files under `dir`.
fn tree_bytes(dir: &Path) -> (u64, usize) {
    let mut total = (0, 0);
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            let (bytes, files) = tree_bytes(&entry.path());
            total = (total.0 + bytes, total.1 + files);
        } else if kind.is_file() {
            total = (total.0 + entry.metadata().unwrap().len(), total.1 + 1);
        }
    }
    total
}

/// xorshift64*: deterministic bytes without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

const WORDS: &[&str] = &[
    "Vpc",
    "Subnet",
    "Cluster",
    "Service",
    "Task",
    "Role",
    "Policy",
    "Bucket",
    "Queue",
    "Topic",
    "Function",
    "Table",
    "Listener",
    "Target",
    "Group",
    "Alarm",
    "Metric",
    "Log",
    "Stream",
    "Key",
    "Secret",
    "Parameter",
    "Endpoint",
    "Gateway",
];

/// Text of about `bytes` bytes in CloudFormation's shape, different in every file.
fn text_file(rng: &mut Rng, index: usize, bytes: usize) -> String {
    let mut text = format!("# Generated part {index} of the bench bundle\nResources:\n");
    let mut n = 0;
    while text.len() < bytes {
        let mut word = || WORDS[(rng.next() % WORDS.len() as u64) as usize];
        let (a, b, c) = (word(), word(), word());
        let value = rng.next() % 100_000;
        let _ = write!(
            text,
            "  {a}{b}{n}:\n    Type: AWS::{a}::{b}\n    Properties:\n      Name: {c}-{index}-{value}\n      Size: {}\n",
            value % 512
        );
        n += 1;
    }
    text
}

/// (b): the generated directory and the timed builds of it.
fn large_build(config: &Config, log: &dyn Fn(&str)) -> LargeBuild {
    let temp = tempfile::Builder::new()
        .prefix("bench-large-bundle-")
        .tempdir()
        .unwrap();
    let dir = temp.path();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let dir = &write_small_bundle(dir, 0);
    for i in 0..config.bundle_text_files {
        let file = dir.join(format!(
            "infrastructure/parts/group{}/part{i:04}.yaml",
            i % 10
        ));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text_file(&mut rng, i, config.bundle_text_bytes)).unwrap();
    }
    // Incompressible bytes, as a Lambda zip or an image are, in four files.
    let blobs = 4;
    for i in 0..blobs {
        let size = config.bundle_binary_bytes / blobs;
        let mut bytes = Vec::with_capacity(size + 8);
        while bytes.len() < size {
            bytes.extend_from_slice(&rng.next().to_le_bytes());
        }
        bytes.truncate(size);
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join(format!("assets/blob{i}.bin")), bytes).unwrap();
    }
    let (input_bytes, input_files) = tree_bytes(dir);
    log(&format!(
        "bundle::build of a {:.2} MB directory ({input_files} files), in-process",
        input_bytes as f64 / 1e6
    ));
    let first = bundle::build(dir, &[]).unwrap(); // also the warm-up: page cache
    assert_eq!(first.files, input_files, "files in the archive");
    let mut large = LargeBuild {
        input_bytes,
        archive_bytes: first.bytes.len(),
        archive_files: first.files,
        runs: Vec::new(),
    };
    for _ in 0..config.bundle_build_runs {
        let start = Instant::now();
        let built = bundle::build(dir, &[]).unwrap();
        large.runs.push(secs(start));
        assert_eq!(built.sha256, first.sha256, "the build is deterministic");
    }
    large
}

fn mb(bytes: f64) -> String {
    format!("{:.2} MB ({:.2} MiB)", bytes / 1e6, bytes / 1024.0 / 1024.0)
}

/// Picks one side of a [`PlanPair`].
type Side = fn(&PlanPair) -> &Series;

impl BundleResults {
    /// Section 7 in Markdown.
    pub fn report(&self, config: &Config) -> String {
        let mut out = String::new();
        let n = config.bundle_versions;
        let _ = writeln!(out, "## 7. Bundles from directories\n");
        let _ = writeln!(
            out,
            "Load average when the section started: `{}`, when it ended: `{}`.\n",
            self.load_before, self.load_after
        );
        let _ = writeln!(
            out,
            "### 7a. Plan of {n} directory-sourced versions vs the same {n} with `s3` sources\n"
        );
        let _ = writeln!(
            out,
            "Per CLI, one proton-local: {n} small bundle directories (`schema/schema.yaml`, `infrastructure/manifest.yaml`, a {} B CloudFormation file; {} B of files, a {} B archive each), and the same bundles, built once, as objects in the bucket. One template per configuration, {n} versions each (`count`, own descriptions), the same provider block (S3 endpoint, path-style); each configuration applied once. Then `terraform plan -detailed-exitcode` (refresh included; must exit 0) alternated, {} runs each after one warm-up, provider processes sampled; one more traced run each for Terraform's calls. CPU is utime+stime in 10 ms ticks, medians. Target: directory / `s3` ≤ {TARGET_RATIO}×.\n",
            cloudformation(0).len(),
            self.small_input_bytes,
            self.small_archive_bytes,
            config.bundle_plan_runs
        );
        let names: Vec<String> = self.plans.iter().map(|p| p.cli.to_string()).collect();
        let _ = writeln!(out, "|  | {} |", names.join(" | "));
        let _ = writeln!(out, "|---|{}", "---|".repeat(names.len()));
        let row = |out: &mut String, label: &str, cell: &dyn Fn(&PlanPair) -> String| {
            let cells: Vec<String> = self.plans.iter().map(cell).collect();
            let _ = writeln!(out, "| {label} | {} |", cells.join(" | "));
        };
        row(&mut out, "plan, `s3` sources (baseline)", &|p| {
            spread(&p.s3.wall())
        });
        row(&mut out, "plan, directory sources", &|p| {
            spread(&p.directory.wall())
        });
        row(&mut out, "ratio of medians (directory / `s3`)", &|p| {
            format!(
                "**{:.3}×** {}",
                p.ratio(),
                verdict(p.ratio() <= TARGET_RATIO)
            )
        });
        row(&mut out, "difference of medians", &|p| {
            format!(
                "{:+.0} ms",
                1000.0 * (p.directory.median_wall() - p.s3.median_wall())
            )
        });
        let sides: [(&str, Side); 2] = [("`s3`", |p| &p.s3), ("directory", |p| &p.directory)];
        for (side, pick) in sides {
            row(&mut out, &format!("provider CPU, {side}"), &|p| {
                cpu_ms(pick(p).median_of(|s| s.cpu_secs))
            });
        }
        for (side, pick) in sides {
            row(
                &mut out,
                &format!("Terraform CPU, {side}"),
                &|p| match p.cli {
                    // The sampler reads the process it started: under 1.0.3 that is panicwrap's
                    // wrapper, and the Terraform doing the work is its child.
                    Cli::V1_0_3 => "— (panicwrap: not sampled)".to_string(),
                    _ => cpu_ms(pick(p).median_of(|s| s.terraform_cpu_secs)),
                },
            );
        }
        for (side, pick) in sides {
            row(&mut out, &format!("proton-local CPU, {side}"), &|p| {
                cpu_ms(median(&pick(p).endpoint_cpu_secs))
            });
        }
        for (side, pick) in sides {
            row(&mut out, &format!("API requests per plan, {side}"), &|p| {
                counts(&pick(p).requests)
            });
        }
        for (side, pick) in sides {
            row(
                &mut out,
                &format!("PlanResourceChange calls (traced), {side}"),
                &|p| {
                    pick(p)
                        .rpcs
                        .get("PlanResourceChange")
                        .copied()
                        .unwrap_or(0)
                        .to_string()
                },
            );
        }
        row(&mut out, "set-up apply, `s3` / directory", &|p| {
            format!("{:.1} s / {:.1} s", p.s3_setup_secs, p.directory_setup_secs)
        });
        let small = median(&self.small_builds);
        let _ = writeln!(
            out,
            "\n`bundle::build` of the {n} directories in-process (the work the directory plan adds, done in series on one thread; {} passes after a warm-up): median **{:.1} ms** ({:.1}–{:.1}), {:.2} ms per bundle.\n",
            self.small_builds.len(),
            1000.0 * small,
            1000.0 * percentile(&self.small_builds, 0.0),
            1000.0 * percentile(&self.small_builds, 100.0),
            1000.0 * small / n as f64,
        );

        let large = &self.large;
        let _ = writeln!(out, "### 7b. Building and hashing a bundle near 5 MiB\n");
        let _ = writeln!(
            out,
            "`bundle::build` (collect, ustar, gzip level 9, SHA-256) in-process, release profile, on a generated directory: {} text files in CloudFormation's shape (about {} B each), the schema, manifest and CloudFormation file of 7a, and {} B of incompressible bytes in 4 files. {} timed runs after one warm-up; no target. Throughput is input bytes per second at the median.\n",
            config.bundle_text_files,
            config.bundle_text_bytes,
            config.bundle_binary_bytes,
            large.runs.len()
        );
        let _ = writeln!(
            out,
            "| input | files | archive | build (median, min–max) | throughput |\n|---|---|---|---|---|"
        );
        let _ = writeln!(
            out,
            "| {} | {} | {}{} | {} | **{:.1} MB/s** |\n",
            mb(large.input_bytes as f64),
            large.archive_files,
            mb(large.archive_bytes as f64),
            if large.archive_bytes <= PROTON_LIMIT {
                ", within Proton's 5 MiB"
            } else {
                ", over Proton's 5 MiB"
            },
            spread(&large.runs),
            large.throughput_mb_s()
        );
        out
    }
}
