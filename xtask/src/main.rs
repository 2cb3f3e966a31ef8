//! `cargo run -p xtask -- <command>`: see the library docs for the commands.

use std::process::ExitCode;

use xtask::{docs, workspace_root, Error};

const USAGE: &str = "usage: cargo run -p xtask -- <command>

commands:
  docs [--check]                      regenerate docs/ (--check: fail if it is stale)";

/// Command-line flags after the command name (`--name`).
struct Flags(Vec<String>);

impl Flags {
    fn switch(&mut self, name: &str) -> bool {
        let found = self.0.iter().position(|a| a == name);
        if let Some(index) = found {
            self.0.remove(index);
        }
        found.is_some()
    }

    fn finish(self) -> Result<(), Error> {
        match self.0.first() {
            None => Ok(()),
            Some(extra) => Err(Error(format!("unexpected argument {extra:?}\n\n{USAGE}"))),
        }
    }
}

fn run() -> Result<ExitCode, Error> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let mut flags = Flags(args.collect());
    let root = workspace_root();
    match command.as_str() {
        "docs" => {
            let check = flags.switch("--check");
            flags.finish()?;
            if check {
                let stale = docs::check(&root)?;
                if stale.is_empty() {
                    println!("docs/ is up to date");
                    return Ok(ExitCode::SUCCESS);
                }
                eprintln!(
                    "docs/ is stale; run `cargo run -p xtask -- docs` and commit the result:"
                );
                for path in stale {
                    eprintln!("  {}", path.display());
                }
                return Ok(ExitCode::FAILURE);
            }
            let changed = docs::write(&root)?;
            if changed.is_empty() {
                println!("docs/ is up to date");
            }
            for path in changed {
                let verb = if root.join(&path).exists() {
                    "wrote"
                } else {
                    "removed"
                };
                println!("{verb} {}", path.display());
            }
        }
        "" | "help" | "--help" | "-h" => println!("{USAGE}"),
        other => return Err(Error(format!("unknown command {other:?}\n\n{USAGE}"))),
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("xtask: {err}");
            ExitCode::FAILURE
        }
    }
}
