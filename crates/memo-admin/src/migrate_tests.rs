//! The runner's list against the files in `migrations/`, and released
//! migrations against their committed checksums (`migrations/released.sha256`).

use super::MIGRATIONS;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `migrations/NAME.sql` → its committed checksum, from `sha256sum` output.
fn released() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(root().join("migrations/released.sha256")).expect("migrations/released.sha256");
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (hash, file) = line.split_once("  ").expect("sha256sum format: HASH, two spaces, FILE");
            (file.trim().to_owned(), hash.to_owned())
        })
        .collect()
}

#[test]
fn every_migration_file_is_in_the_runner_list_in_order() {
    let mut files: Vec<String> = std::fs::read_dir(root().join("migrations"))
        .expect("migrations/")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|name| name.strip_suffix(".sql").map(str::to_owned))
        .collect();
    files.sort();
    let listed: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
    for file in &files {
        assert!(
            listed.contains(&file.as_str()),
            "migrations/{file}.sql is not in MIGRATIONS (crates/memo-admin/src/migrate.rs): add \
             `Migration {{ name: \"{file}\", sql: include_str!(\"../../../migrations/{file}.sql\") }}` in file-name order"
        );
    }
    let mut sorted = listed.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(listed, sorted, "MIGRATIONS must list each migration once, in file-name order");
    assert_eq!(listed.len(), files.len(), "MIGRATIONS names a file that migrations/ does not have");
}

#[test]
fn released_migrations_are_frozen() {
    let released = released();
    for migration in MIGRATIONS {
        let file = format!("migrations/{}.sql", migration.name);
        let actual = sha256_hex(migration.sql.as_bytes());
        let Some(committed) = released.get(&file) else {
            panic!(
                "{file} has no committed checksum. If it is a NEW migration being released (merged into main), \
                 record it from the repository root with `sha256sum {file} >> migrations/released.sha256` and commit \
                 that line; from then on the file is frozen."
            );
        };
        assert_eq!(
            &actual, committed,
            "{file} was changed after it was released; released migrations are frozen (databases have applied them \
             and the runner refuses a changed one). Restore it (`git checkout main -- {file}`) and put the change \
             in a new migration with the next free number."
        );
    }
    for file in released.keys() {
        assert!(
            MIGRATIONS.iter().any(|m| format!("migrations/{}.sql", m.name) == *file),
            "{file} has a committed checksum but is not in MIGRATIONS; released migrations are never removed"
        );
    }
}
