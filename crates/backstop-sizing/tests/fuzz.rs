//! Fuzz targets for the files an engineer hands the sizing engine: case
//! files (TOML, and the JSON form) and load-profile CSVs. Inputs are the
//! example files of `examples/sizing/` mutated byte by byte (flips,
//! deletions, insertions of hostile tokens, spliced lines) and line by line
//! (duplicated, dropped, swapped, values replaced). Whatever the input:
//! no panic; a refusal is a list of diagnostics, each with a message; an
//! accepted UPS case sizes without a panic, every diagnostic explained; an
//! accepted profile has finite loads on a 1–60-minute grid.
//!
//! The number of inputs per target is proptest's (`PROPTEST_CASES`,
//! default 256): short in CI; `scripts/fuzz` runs far more on a release
//! build and prints the figures that go in BENCHMARKS.md.

use std::path::PathBuf;

use backstop_sizing::profile::{ProfileOptions, parse_profile_with};
use backstop_sizing::{default_catalog, merged, parse_peak_case, parse_ups_case, size_ups};
use proptest::prelude::*;

fn example(name: &str) -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/sizing").join(name)).unwrap()
}

/// Tokens that break parsers: quotes, brackets, escapes, numbers at the
/// edges of their types, non-ASCII, control characters.
const HOSTILE: &[&str] = &[
    "\"",
    "'",
    "[",
    "]",
    "[[",
    "{",
    "}",
    "=",
    "\\",
    "\\u0000",
    "\0",
    "\r",
    "\n",
    "\t",
    "#",
    ",",
    ";",
    "nan",
    "inf",
    "-inf",
    "1e309",
    "-1e309",
    "1e-400",
    "18446744073709551616",
    "-9223372036854775809",
    "0x7f",
    "1_000",
    "1979-05-27T07:32:00Z",
    "true",
    "\u{feff}",
    "\u{202e}",
    "é",
    "𝔘",
    "\u{ffff}",
    "-0",
    "0.0000000000000000000001",
    "999999999999",
    "\"\"\"",
    "'''",
    "a.b.c",
    "[x.y]",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, bit: u8 },
    Delete { at: usize, len: usize },
    Insert { at: usize, token: usize },
    DuplicateLine { line: usize },
    DropLine { line: usize },
    SwapLines { a: usize, b: usize },
    ReplaceValue { line: usize, token: usize },
    RepeatLine { line: usize, times: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = any::<usize>();
    prop_oneof![
        (i, 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        (i, 1usize..64).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (i, i).prop_map(|(at, token)| Mutation::Insert { at, token }),
        i.prop_map(|line| Mutation::DuplicateLine { line }),
        i.prop_map(|line| Mutation::DropLine { line }),
        (i, i).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        (i, i).prop_map(|(line, token)| Mutation::ReplaceValue { line, token }),
        (i, 2usize..2_000).prop_map(|(line, times)| Mutation::RepeatLine { line, times }),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for m in mutations {
        let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        let n = lines.len().max(1);
        match *m {
            Mutation::Flip { at, bit } if !bytes.is_empty() => {
                let at = at % bytes.len();
                bytes[at] ^= 1 << bit;
                continue;
            }
            Mutation::Delete { at, len } if !bytes.is_empty() => {
                let at = at % bytes.len();
                let end = (at + len).min(bytes.len());
                bytes.drain(at..end);
                continue;
            }
            Mutation::Insert { at, token } => {
                let at = at % (bytes.len() + 1);
                let t = HOSTILE[token % HOSTILE.len()].as_bytes();
                bytes.splice(at..at, t.iter().copied());
                continue;
            }
            Mutation::DuplicateLine { line } if !lines.is_empty() => {
                let l = lines[line % n].clone();
                lines.insert(line % n, l);
            }
            Mutation::DropLine { line } if !lines.is_empty() => {
                lines.remove(line % n);
            }
            Mutation::SwapLines { a, b } if !lines.is_empty() => lines.swap(a % n, b % n),
            Mutation::ReplaceValue { line, token } if !lines.is_empty() => {
                let l = &mut lines[line % n];
                let t = HOSTILE[token % HOSTILE.len()].as_bytes();
                match l.iter().rposition(|&b| b == b'=' || b == b',' || b == b';') {
                    Some(p) => {
                        l.truncate(p + 1);
                        l.extend_from_slice(t);
                    }
                    None => *l = t.to_vec(),
                }
            }
            Mutation::RepeatLine { line, times } if !lines.is_empty() => {
                let l = lines[line % n].clone();
                for _ in 0..times {
                    lines.insert(line % n, l.clone());
                }
            }
            _ => continue,
        }
        bytes = lines.join(&b'\n');
    }
    // The engine reads text; the app and CLI decode bytes before it.
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Every diagnostic of a sizing says something.
fn all_explained(r: &backstop_model::sizing::UpsResult) -> bool {
    r.diagnostics.iter().chain(r.methods.iter().flat_map(|m| &m.diagnostics)).all(|d| !d.message.trim().is_empty())
}

proptest! {
    #[test]
    fn ups_case_files_never_panic(which in 0usize..3, ms in prop::collection::vec(mutation(), 1..6)) {
        let seed = example(["ups-constant-power-yuasa.toml", "ups-duty-cycle.toml", "ups-ecm-lfp.toml"][which]);
        let text = apply(&seed, &ms);
        match parse_ups_case(&text) {
            Ok(file) => {
                let r = size_ups(&file.case, &merged(default_catalog(), &file.catalog));
                prop_assert!(all_explained(&r), "a diagnostic without a message: {:?}", r.diagnostics);
            }
            Err(diags) => {
                prop_assert!(!diags.is_empty());
                prop_assert!(diags.iter().all(|d| !d.message.trim().is_empty()), "{diags:?}");
            }
        }
    }

    #[test]
    fn peak_case_files_never_panic(ms in prop::collection::vec(mutation(), 1..6), json in any::<bool>()) {
        let mut seed = example("peak-shaving.toml");
        if json {
            // The JSON form of the same case.
            let v: toml::Table = toml::from_str(&seed).unwrap();
            seed = serde_json::to_string_pretty(&v).unwrap();
        }
        let text = apply(&seed, &ms);
        if let Err(diags) = parse_peak_case(&text) {
            prop_assert!(!diags.is_empty());
            prop_assert!(diags.iter().all(|d| !d.message.trim().is_empty()), "{diags:?}");
        }
    }

    #[test]
    fn load_profile_csvs_never_panic(ms in prop::collection::vec(mutation(), 1..8)) {
        // The first two days of the example: big enough for every dialect
        // feature, small enough for many runs.
        let seed: String = example("profile-15min-january.csv").lines().take(200).map(|l| format!("{l}\n")).collect();
        let text = apply(&seed, &ms);
        match parse_profile_with(&text, &ProfileOptions::default()) {
            Ok(p) => {
                prop_assert!(p.kw.iter().all(|v| v.is_finite()), "a non-finite load was accepted");
                prop_assert!((1..=60).contains(&p.interval_min), "interval {}", p.interval_min);
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                let lines = text.lines().count() + 1;
                prop_assert!(errors.iter().all(|e| e.line <= lines && !e.message.trim().is_empty()), "{errors:?}");
            }
        }
    }
}
