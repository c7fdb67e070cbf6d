//! Hostile project files through the command line, as an engineer's laptop
//! meets them: mutated copies of the demo site (at the file's real page
//! size) and over-long fields, through `project check`, `project info`,
//! `project export` and `report design`. Never a panic or a signal; a
//! refusal is a sentence on stderr with a failing exit status; the input
//! file never changes. `BACKSTOP_HOSTILE_MUTANTS` sets the number of
//! mutants (default 24, for CI).

use std::path::Path;
use std::process::Command;

fn backstop(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_backstop")).args(args).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n.max(1)
    }
}

fn page_size(bytes: &[u8]) -> usize {
    match u16::from_be_bytes([bytes[16], bytes[17]]) {
        1 => 65_536,
        n => n as usize,
    }
}

/// Runs every command on `file`; asserts no panic, no signal, a sentence
/// for every refusal, and the file unchanged. Returns how many commands
/// succeeded.
fn every_command(file: &Path, label: &str) -> usize {
    let before = std::fs::read(file).unwrap();
    let f = file.to_str().unwrap();
    let pdf = file.with_extension("pdf");
    let json = file.with_extension("json");
    let mut succeeded = 0;
    for args in [
        vec!["project", "check", f],
        vec!["project", "info", f],
        vec!["project", "export", f, "-o", json.to_str().unwrap()],
        vec!["report", "design", f, "-o", pdf.to_str().unwrap(), "--date", "2026-01-15"],
    ] {
        let (code, err) = backstop(&args);
        let code = code.unwrap_or_else(|| panic!("{label}: {args:?} ended by a signal"));
        assert_ne!(code, 101, "{label}: {args:?} panicked: {err}");
        if code == 0 {
            succeeded += 1;
        } else {
            let msg = err.trim();
            assert!(msg.len() > 20 && !msg.contains("panicked"), "{label}: {args:?} refused without a sentence: {msg:?}");
        }
        assert!(std::fs::read(file).unwrap() == before, "{label}: {args:?} changed the input file");
        let _ = std::fs::remove_file(&pdf);
        let _ = std::fs::remove_file(&json);
    }
    succeeded
}

#[test]
fn mutated_projects_never_panic_or_change_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo.backstop");
    let (code, err) = backstop(&["demo", demo.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let bytes = std::fs::read(&demo).unwrap();
    let page = page_size(&bytes);
    assert!(bytes.len().is_multiple_of(page), "page size {page}");
    let pages = (bytes.len() / page) as u64;
    let mutants: u64 = std::env::var("BACKSTOP_HOSTILE_MUTANTS").ok().and_then(|v| v.parse().ok()).unwrap_or(24);
    let mut rng = Rng(0x5EED_CAFE);
    let (mut all_ok, mut some_refused) = (0, 0);
    let path = dir.path().join("mutant.backstop");
    for i in 0..mutants {
        let mut m = bytes.clone();
        match i % 4 {
            // A whole page of noise.
            0 => {
                let p = rng.below(pages) as usize;
                for b in &mut m[p * page..(p + 1) * page] {
                    *b = rng.below(256) as u8;
                }
            }
            // One page copied over another.
            1 => {
                let (a, b) = (rng.below(pages) as usize, rng.below(pages) as usize);
                let src = m[a * page..(a + 1) * page].to_vec();
                m[b * page..(b + 1) * page].copy_from_slice(&src);
            }
            // Cut at a page boundary.
            2 => m.truncate(page * (1 + rng.below(pages - 1)) as usize),
            // A few bits flipped.
            _ => {
                for _ in 0..1 + rng.below(8) {
                    let at = rng.below(m.len() as u64) as usize;
                    m[at] ^= 1 << rng.below(8);
                }
            }
        }
        std::fs::write(&path, &m).unwrap();
        match every_command(&path, &format!("mutant {i}")) {
            4 => all_ok += 1,
            _ => some_refused += 1,
        }
    }
    eprintln!("{mutants} mutants: {all_ok} passed every command, {some_refused} refused by at least one");
    assert!(some_refused > 0, "the mutator should damage something");
}

#[test]
fn over_long_fields_are_refused_by_every_command_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long name.backstop");
    let (code, err) = backstop(&["demo", file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    {
        // The case: a 1 MB project name, written by another tool.
        let c = rusqlite::Connection::open(&file).unwrap();
        let name = "N".repeat(1_000_000);
        c.execute("UPDATE project SET name = ?1, body = json_set(body, '$.name', ?1) WHERE id = 1", [&name]).unwrap();
    }
    assert_eq!(every_command(&file, "1 MB name"), 0, "every command refuses it");
    let (_, err) = backstop(&["report", "design", file.to_str().unwrap(), "-o", dir.path().join("r.pdf").to_str().unwrap()]);
    assert!(err.contains("the project name is 1,000,000 characters long"), "{err}");
    assert!(!dir.path().join("r.pdf").exists());
}
