//! Fuzz target for design-JSON import (`backstop project import`, the app's
//! Import JSON…): a real design's JSON mutated byte by byte (flips,
//! deletions, hostile tokens) and structurally (any value replaced by a
//! hostile one: over-long strings, extreme numbers, wrong types, arrays
//! repeated thousands of times). Whatever the input: no panic; a refusal
//! is a sentence and leaves no file behind; an accepted design imports
//! into a project that passes the full check and exports exactly the
//! design that was read.
//!
//! The number of inputs is proptest's (`PROPTEST_CASES`, default 256):
//! short in CI; `scripts/fuzz` runs far more on a release build.

mod support;

use std::sync::OnceLock;

use backstop_store::interchange::{design_from_json, design_to_json};
use backstop_store::{CreateOptions, Project};
use proptest::prelude::*;
use serde_json::Value;
use support::fixtures::{info, populate};

/// The JSON of a populated project (rooms, racks, equipment, catalog,
/// sizing cases and results, revisions).
fn seed() -> &'static str {
    static SEED: OnceLock<String> = OnceLock::new();
    SEED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Project::create(&dir.path().join("seed.backstop"), &info("Fuzz seed"), &CreateOptions::default()).unwrap();
        populate(&mut p);
        p.export_design_json().unwrap()
    })
}

const TOKENS: &[&str] = &[
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\\",
    "\\u0000",
    "\\ud800",
    "null",
    "true",
    "-1",
    "1e309",
    "-0",
    "18446744073709551616",
    "\u{feff}",
    "é",
    "\u{202e}",
    "0.1e-400",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        at: usize,
        bit: u8,
    },
    Delete {
        at: usize,
        len: usize,
    },
    Insert {
        at: usize,
        token: usize,
    },
    /// Replace the `node`-th value (in document order) by `hostile`.
    Replace {
        node: usize,
        hostile: Hostile,
    },
}

#[derive(Debug, Clone)]
enum Hostile {
    Text(usize),
    Number(f64),
    Integer(i64),
    Null,
    Bool,
    EmptyArray,
    EmptyObject,
    /// An array's elements repeated (or a value wrapped in an array).
    Repeat(usize),
    /// A string of control and bidi characters.
    Odd,
}

fn hostile() -> impl Strategy<Value = Hostile> {
    prop_oneof![
        prop_oneof![Just(0usize), Just(1), Just(199), Just(200), Just(201), Just(2_000), Just(20_001), Just(300_000)]
            .prop_map(Hostile::Text),
        prop_oneof![Just(f64::MAX), Just(-f64::MAX), Just(f64::MIN_POSITIVE), Just(-1.0), Just(0.0), Just(1e15), Just(-1e15)]
            .prop_map(Hostile::Number),
        prop_oneof![Just(i64::MAX), Just(i64::MIN), Just(-1i64), Just(0), Just(u32::MAX as i64 + 1)].prop_map(Hostile::Integer),
        Just(Hostile::Null),
        Just(Hostile::Bool),
        Just(Hostile::EmptyArray),
        Just(Hostile::EmptyObject),
        (2usize..3_000).prop_map(Hostile::Repeat),
        Just(Hostile::Odd),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = any::<usize>();
    prop_oneof![
        1 => (i, 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        1 => (i, 1usize..64).prop_map(|(at, len)| Mutation::Delete { at, len }),
        1 => (i, i).prop_map(|(at, token)| Mutation::Insert { at, token }),
        4 => (i, hostile()).prop_map(|(node, hostile)| Mutation::Replace { node, hostile }),
    ]
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(o) => o.values().map(count).sum(),
        _ => 0,
    }
}

/// The `n`-th value in document order (0 is the root).
fn nth(v: &mut Value, n: usize) -> Option<&mut Value> {
    if n == 0 {
        return Some(v);
    }
    let mut n = n - 1;
    let children: Vec<&mut Value> = match v {
        Value::Array(a) => a.iter_mut().collect(),
        Value::Object(o) => o.values_mut().collect(),
        _ => return None,
    };
    for c in children {
        let size = count(c);
        if n < size {
            return nth(c, n);
        }
        n -= size;
    }
    None
}

fn replace(text: &str, node: usize, h: &Hostile) -> String {
    let Ok(mut root) = serde_json::from_str::<Value>(text) else {
        return text.to_owned();
    };
    let total = count(&root);
    // Not the root itself (that only tests "not an object").
    let Some(target) = nth(&mut root, 1 + node % (total - 1).max(1)) else {
        return text.to_owned();
    };
    *target = match h {
        Hostile::Text(n) => Value::String("x".repeat(*n)),
        Hostile::Number(f) => serde_json::json!(f),
        Hostile::Integer(i) => serde_json::json!(i),
        Hostile::Null => Value::Null,
        Hostile::Bool => Value::Bool(true),
        Hostile::EmptyArray => Value::Array(vec![]),
        Hostile::EmptyObject => Value::Object(Default::default()),
        Hostile::Repeat(n) => match &*target {
            Value::Array(a) if !a.is_empty() => Value::Array(a.iter().cycle().take(*n).cloned().collect()),
            other => Value::Array(vec![other.clone(); (*n).min(50)]),
        },
        Hostile::Odd => Value::String("\u{0}\u{7}\u{202e}\u{feff}\r\n\t\u{ffff}🔋".into()),
    };
    serde_json::to_string_pretty(&root).unwrap()
}

fn apply(text: &str, ms: &[Mutation]) -> String {
    let mut text = text.to_owned();
    for m in ms {
        let mut bytes = text.into_bytes();
        match *m {
            Mutation::Flip { at, bit } => {
                let at = at % bytes.len().max(1);
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= 1 << bit;
                }
            }
            Mutation::Delete { at, len } => {
                let at = at % bytes.len().max(1);
                let end = (at + len).min(bytes.len());
                bytes.drain(at..end);
            }
            Mutation::Insert { at, token } => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, TOKENS[token % TOKENS.len()].bytes());
            }
            Mutation::Replace { node, ref hostile } => {
                let t = String::from_utf8_lossy(&bytes).into_owned();
                bytes = replace(&t, node, hostile).into_bytes();
            }
        }
        // Import reads text; invalid UTF-8 is refused before parsing.
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    text
}

proptest! {
    #[test]
    fn design_json_import_never_panics_and_never_half_imports(ms in prop::collection::vec(mutation(), 1..5)) {
        let text = apply(seed(), &ms);
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("imported.backstop");
        match design_from_json(&text) {
            Err(e) => prop_assert!(!e.to_string().trim().is_empty()),
            Ok(design) => match Project::import_design_json(&target, &text, &CreateOptions::default()) {
                Ok(p) => {
                    let exported = p.export_design_json().unwrap();
                    drop(p);
                    Project::check(&target).map_err(|e| TestCaseError::fail(format!("an imported design fails the check: {e}")))?;
                    prop_assert_eq!(exported, design_to_json(&design).unwrap(), "the project holds another design than was read");
                }
                Err(e) => {
                    prop_assert!(!e.to_string().trim().is_empty());
                    prop_assert!(!target.exists(), "a refused import left a file: {}", e);
                }
            },
        }
        // Nothing but the imported file (if any) is left in the folder.
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).filter(|n| n != "imported.backstop").collect();
        prop_assert!(left.is_empty(), "left behind: {:?}", left);
    }
}
