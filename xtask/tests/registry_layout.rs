//! docs/ keeps the Terraform Registry's layout rules, as `tfplugindocs
//! validate` checks them (terraform-plugin-docs, `internal/check`): only the
//! registry's directories, Markdown files of at most 500 KB, front matter on
//! every page with a `page_title` and none of the retired keys, and no
//! `subcategory` on the provider page.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::Path;

/// The registry's documentation directories under docs/ (the files directly
/// under docs/ besides index.md are developer material the registry ignores).
const DIRECTORIES: &[&str] = &[
    "resources",
    "data-sources",
    "ephemeral-resources",
    "list-resources",
    "functions",
    "actions",
    "guides",
];

/// The front matter's keys, in order, or a complaint.
fn front_matter_keys(text: &str) -> Result<Vec<String>, String> {
    let body = text
        .strip_prefix("---\n")
        .ok_or("does not start with front matter (---)")?;
    let end = body.find("\n---\n").ok_or("front matter is not closed")?;
    Ok(body[..end]
        .lines()
        .filter(|line| !line.starts_with([' ', '#']) && !line.is_empty())
        .filter_map(|line| line.split_once(':').map(|(key, _)| key.to_string()))
        .collect())
}

fn check_page(path: &Path, problems: &mut Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.display();
    if text.len() > 500 * 1024 {
        problems.push(format!("{name}: larger than 500 KB"));
    }
    match front_matter_keys(&text) {
        Err(problem) => problems.push(format!("{name}: {problem}")),
        Ok(keys) => {
            if !keys.iter().any(|k| k == "page_title") {
                problems.push(format!("{name}: no page_title"));
            }
            for retired in ["layout", "sidebar_current"] {
                if keys.iter().any(|k| k == retired) {
                    problems.push(format!("{name}: front matter has {retired}"));
                }
            }
            if path.ends_with("docs/index.md") && keys.iter().any(|k| k == "subcategory") {
                problems.push(format!(
                    "{name}: the provider page must not have a subcategory"
                ));
            }
        }
    }
}

#[test]
fn docs_follow_the_registry_layout() {
    let docs = xtask::workspace_root().join("docs");
    let mut problems = Vec::new();
    check_page(&docs.join("index.md"), &mut problems);
    for entry in std::fs::read_dir(&docs).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_dir() {
            continue;
        }
        let dir = path.file_name().unwrap().to_str().unwrap().to_string();
        if !DIRECTORIES.contains(&dir.as_str()) {
            problems.push(format!(
                "docs/{dir}: not a registry documentation directory"
            ));
            continue;
        }
        for page in std::fs::read_dir(&path).unwrap() {
            let page = page.unwrap().path();
            if page.is_dir() {
                problems.push(format!("{}: nested directory", page.display()));
            } else if page.extension().and_then(|e| e.to_str()) != Some("md") {
                problems.push(format!("{}: not a .md file", page.display()));
            } else {
                check_page(&page, &mut problems);
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
