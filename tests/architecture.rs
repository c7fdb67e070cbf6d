//! The dependency rules ARCHITECTURE.md states, checked on the real
//! dependency graph (`cargo metadata`) of the workspace and of the UI. A rule
//! that no longer holds fails here, naming the crate and the dependency; a
//! rule that is meant to change is changed here and in ARCHITECTURE.md
//! together.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// Normal (non-dev, non-build) dependencies of each package of a graph, by name.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// The engine crates: pure computation, values in and values out.
const ENGINES: [&str; 4] = ["backstop-sizing", "backstop-layout", "backstop-commission", "backstop-sunspec"];

/// Crates that do I/O an engine must not reach, even through another crate.
const IO_CRATES: [&str; 14] = [
    "rusqlite",
    "libsqlite3-sys",
    "tokio",
    "mio",
    "socket2",
    "tokio-serial",
    "mio-serial",
    "serialport",
    "tauri",
    "wry",
    "rfd",
    "typst",
    "hyper",
    "reqwest",
];

/// Crates that open serial ports.
const SERIAL_CRATES: [&str; 3] = ["tokio-serial", "mio-serial", "serialport"];

/// The triple of the machine the tests run on (`rustc -vV`).
fn host_triple() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc).arg("-vV").output().expect("run rustc -vV");
    String::from_utf8_lossy(&out.stdout).lines().find_map(|l| l.strip_prefix("host: ")).expect("rustc -vV names the host").trim().to_owned()
}

/// Reads the graph of the workspace at `manifest` as built for `platform`
/// (offline: everything it needs is on this machine once the workspace has
/// been built for that platform — without the filter, cargo wants the
/// sources of every platform's dependencies, which a fresh machine that
/// only built for its own never downloaded).
fn metadata(manifest: &Path, platform: &str) -> (Graph, BTreeSet<String>) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline", "--filter-platform", platform, "--manifest-path"])
        .arg(manifest)
        .output()
        .expect("run cargo metadata");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let names: BTreeMap<&str, &str> = m["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| (p["id"].as_str().expect("id"), p["name"].as_str().expect("name")))
        .collect();
    let members: BTreeSet<String> =
        m["workspace_members"].as_array().expect("members").iter().map(|id| names[id.as_str().expect("id")].to_owned()).collect();
    let mut graph = Graph::new();
    for node in m["resolve"]["nodes"].as_array().expect("resolve nodes") {
        let name = names[node["id"].as_str().expect("id")].to_owned();
        let deps = graph.entry(name).or_default();
        for d in node["deps"].as_array().expect("deps") {
            // A dependency counts when one of its kinds is a normal one (kind null).
            if d["dep_kinds"].as_array().expect("dep_kinds").iter().any(|k| k["kind"].is_null()) {
                deps.insert(names[d["pkg"].as_str().expect("pkg")].to_owned());
            }
        }
    }
    (graph, members)
}

/// Every crate `root` reaches through normal dependencies.
fn closure(g: &Graph, root: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![root.to_owned()];
    while let Some(p) = todo.pop() {
        for d in g.get(&p).into_iter().flatten() {
            if seen.insert(d.clone()) {
                todo.push(d.clone());
            }
        }
    }
    seen
}

fn direct<'a>(g: &'a Graph, p: &str) -> impl Iterator<Item = &'a String> {
    g.get(p).into_iter().flatten()
}

/// The rules of ARCHITECTURE.md on the workspace graph; one line per breach.
fn workspace_breaches(g: &Graph, members: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for m in members {
        let reach = closure(g, m);
        // Only the app knows Tauri.
        if m != "backstop-app"
            && let Some(t) = reach.iter().find(|d| d.as_str() == "tauri" || d.starts_with("tauri-"))
        {
            out.push(format!("{m} reaches {t}: only backstop-app (src-tauri) may depend on Tauri"));
        }
        // Only the link opens serial ports (and the simulator, which plays the device).
        for s in direct(g, m).filter(|d| SERIAL_CRATES.contains(&d.as_str())) {
            if m != "backstop-link" && m != "backstop-sim" {
                out.push(format!("{m} depends on {s}: only backstop-link opens serial ports (backstop-sim plays the device)"));
            }
        }
        // Only the store opens SQLite.
        if m != "backstop-store" && direct(g, m).any(|d| d == "rusqlite") {
            out.push(format!("{m} depends on rusqlite: only backstop-store opens project files"));
        }
    }
    // The engines do no I/O, not even through another crate.
    for e in ENGINES {
        if !members.contains(e) {
            out.push(format!("{e} is not a workspace member (ARCHITECTURE.md names it as an engine crate)"));
            continue;
        }
        let reach = closure(g, e);
        for io in IO_CRATES.iter().filter(|io| reach.contains(**io)) {
            out.push(format!("{e} reaches {io}: engine crates do no I/O"));
        }
    }
    // The shared vocabulary depends on serde (serde_json for the record
    // bodies it reads, smallvec for compact lists) only.
    for d in direct(g, "backstop-model") {
        if !["serde", "serde_json", "smallvec"].contains(&d.as_str()) {
            out.push(format!("backstop-model depends on {d}: it may depend on serde, serde_json and smallvec only"));
        }
    }
    // The link emits values; it does not know the store.
    if closure(g, "backstop-link").contains("backstop-store") {
        out.push("backstop-link reaches backstop-store: the link emits samples and audit records as values".into());
    }
    // The app and the command line share one application core.
    for shell in ["backstop-app", "backstop-cli"] {
        if members.contains(shell) && !direct(g, shell).any(|d| d == "backstop-core") {
            out.push(format!("{shell} does not depend on backstop-core: the app and the CLI share one core"));
        }
    }
    out
}

/// The UI's rule: it holds view state only, so of Backstop's crates it uses
/// the shared vocabulary and nothing else.
fn ui_breaches(g: &Graph) -> Vec<String> {
    closure(g, "backstop-ui")
        .into_iter()
        .filter(|d| d.starts_with("backstop-") && d != "backstop-model")
        .map(|d| format!("backstop-ui reaches {d}: the UI may use backstop-model only"))
        .collect()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root")
}

/// Asserts that each of `expect` matches one of `found` (`matches(found,
/// expected)`) and that `found` holds nothing else: a check must report
/// each made-up breach, and only those.
fn reports_exactly(found: &[String], expect: &[&str], matches: impl Fn(&str, &str) -> bool) {
    for e in expect {
        assert!(found.iter().any(|f| matches(f, e)), "missing {e:?} in {found:#?}");
    }
    assert_eq!(found.len(), expect.len(), "only those: {found:#?}");
}

#[test]
fn the_workspace_keeps_the_dependency_rules() {
    let (g, members) = metadata(&root().join("Cargo.toml"), &host_triple());
    assert!(members.contains("backstop-app") && members.contains("backstop-link"), "unexpected workspace: {members:?}");
    let breaches = workspace_breaches(&g, &members);
    assert!(breaches.is_empty(), "ARCHITECTURE.md's dependency rules are broken:\n{}", breaches.join("\n"));
}

#[test]
fn the_ui_uses_the_shared_vocabulary_only() {
    let (g, members) = metadata(&root().join("ui/Cargo.toml"), "wasm32-unknown-unknown");
    assert!(members.contains("backstop-ui"), "unexpected UI workspace: {members:?}");
    assert!(closure(&g, "backstop-ui").contains("backstop-model"), "the UI should use backstop-model");
    let breaches = ui_breaches(&g);
    assert!(breaches.is_empty(), "{}", breaches.join("\n"));
}

/// The checks find what they are for: a graph that breaks each rule gives
/// one breach per rule.
#[test]
fn the_checks_catch_each_breach() {
    let edges: &[(&str, &[&str])] = &[
        ("backstop-model", &["serde", "smallvec", "serde_json", "toml"]),
        ("backstop-sizing", &["backstop-model", "helper"]),
        ("helper", &["rusqlite"]),
        ("rusqlite", &["libsqlite3-sys"]),
        ("backstop-layout", &["backstop-model"]),
        ("backstop-commission", &["backstop-model"]),
        ("backstop-sunspec", &["backstop-model", "tauri-utils"]),
        ("backstop-link", &["tokio-serial", "backstop-store"]),
        ("backstop-store", &["rusqlite"]),
        ("backstop-cli", &["serialport", "backstop-link", "backstop-core"]),
        ("backstop-core", &["backstop-store", "tauri-runtime"]),
        ("backstop-app", &["tauri"]),
        ("backstop-ui", &["backstop-model", "backstop-sizing"]),
    ];
    let g: Graph = edges.iter().map(|(p, ds)| ((*p).to_owned(), ds.iter().map(|d| (*d).to_owned()).collect())).collect();
    let members: BTreeSet<String> = ["backstop-model", "backstop-sizing", "backstop-layout", "backstop-commission", "backstop-sunspec"]
        .into_iter()
        .chain(["backstop-link", "backstop-store", "backstop-cli", "backstop-core", "backstop-app", "helper"])
        .map(str::to_owned)
        .collect();
    let b = workspace_breaches(&g, &members);
    let expect = [
        "backstop-sunspec reaches tauri-utils",
        "backstop-cli depends on serialport",
        "helper depends on rusqlite",
        "backstop-sizing reaches rusqlite",
        "backstop-sizing reaches libsqlite3-sys",
        "backstop-model depends on toml",
        "backstop-link reaches backstop-store",
        "backstop-core reaches tauri-runtime",
        "backstop-cli reaches tauri-runtime",
        "backstop-app does not depend on backstop-core",
    ];
    reports_exactly(&b, &expect, |f, e| f.starts_with(e));
    assert_eq!(ui_breaches(&g), vec!["backstop-ui reaches backstop-sizing: the UI may use backstop-model only".to_owned()]);
}

// ---- Commands keep blocking work off the async runtime ------------------
//
// Tauri runs an `async fn` command, and a sync one marked
// `#[tauri::command(async)]`, on its async runtime: the few workers that
// also drive the live link's tasks. A plain sync command runs on the main
// thread, which paints the window. Work on the project file (SQLite),
// typesetting and file writes therefore go through
// `crate::state::blocking` (the blocking pool), and the rules below keep
// it so (ARCHITECTURE.md, `src-tauri`).

/// Sync commands allowed on the main thread: they only hand over a channel,
/// set a flag or exit.
const MAIN_THREAD_COMMANDS: [&str; 4] = ["link_scan_cancel", "link_subscribe", "project_subscribe", "ui_ready"];

/// What a command may only reach inside `blocking(…)`: the project session
/// and the checklist (both behind locks held during SQLite work), file
/// writes, and the helpers in the command modules that take the app state.
const BLOCKING_ONLY: [&str; 7] =
    [".session()", "with_session(", ".commissioning()", "write_file_atomically(", "catalog(", "rendered(", "with(state"];

/// The index of the bracket closing the one at `open` (string and char
/// literals skipped), or the end of the text.
fn closing(text: &[u8], open: usize) -> usize {
    let (o, c) = match text[open] {
        b'(' => (b'(', b')'),
        _ => (b'{', b'}'),
    };
    let mut depth = 0usize;
    let mut i = open;
    while i < text.len() {
        match text[i] {
            b'"' => {
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' if i + 2 < text.len() && text[i + 2] == b'\'' => i += 2,
            b'\'' if i + 3 < text.len() && text[i + 1] == b'\\' && text[i + 3] == b'\'' => i += 3,
            x if x == o => depth += 1,
            x if x == c => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
        i += 1;
    }
    text.len()
}

/// Breaches of the rules above in one source file (`file` names it in
/// the messages).
fn command_breaches(file: &str, source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = source.as_bytes();
    if source.contains("#[tauri::command(async)]") {
        out.push(format!(
            "{file}: `#[tauri::command(async)]` runs a sync command on the async runtime; make it an async fn using blocking(…)"
        ));
    }
    let mut from = 0;
    while let Some(at) = source[from..].find("#[tauri::command]") {
        let attr = from + at;
        from = attr + 1;
        let Some(fn_at) = source[attr..].find("fn ").map(|i| attr + i) else { continue };
        let name: String = source[fn_at + 3..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let is_async = source[attr..fn_at].contains("async");
        let Some(body_at) = source[fn_at..].find('{').map(|i| fn_at + i) else { continue };
        let body_end = closing(bytes, body_at);
        let body = &source[body_at..body_end];
        if !is_async && !MAIN_THREAD_COMMANDS.contains(&name.as_str()) {
            out.push(format!("{file}: command `{name}` is sync, so it runs on the main thread; make it an async fn using blocking(…)"));
        }
        // The spans of `blocking(…)` calls in the body.
        let mut spans = Vec::new();
        let mut search = 0;
        while let Some(b) = body[search..].find("blocking(") {
            let open = body_at + search + b + "blocking".len();
            spans.push((open, closing(bytes, open)));
            search += b + 1;
        }
        for needle in BLOCKING_ONLY {
            let mut search = 0;
            while let Some(n) = body[search..].find(needle) {
                let pos = body_at + search + n;
                search += n + 1;
                if !spans.iter().any(|&(a, b)| a < pos && pos < b) {
                    let line = source[..pos].lines().count();
                    out.push(format!("{file}:{line}: command `{name}` reaches `{needle}` outside blocking(…)"));
                }
            }
        }
    }
    out
}

/// Every `.rs` file under `dir` (relative to the workspace root) with its
/// text.
fn sources_under(dir: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![root().join(dir)];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path.strip_prefix(root()).unwrap_or(&path).display().to_string();
                out.push((name, std::fs::read_to_string(&path).expect("source")));
            }
        }
    }
    out
}

#[test]
fn commands_keep_blocking_work_off_the_async_runtime() {
    let mut breaches = Vec::new();
    let mut commands = 0;
    for (file, source) in sources_under("src-tauri/src") {
        commands += source.matches("#[tauri::command").count();
        breaches.extend(command_breaches(&file, &source));
    }
    assert!(commands > 60, "the scan found only {commands} commands: is it looking in the right place?");
    assert!(breaches.is_empty(), "{}", breaches.join("\n"));
}

#[test]
fn the_command_check_catches_each_breach() {
    let made_up = r#"
#[tauri::command(async)]
pub fn old_style(state: State<'_, AppState>) -> Result<(), AppError> { Ok(()) }

#[tauri::command]
pub fn on_the_main_thread(state: State<'_, AppState>) -> Result<(), AppError> { state.session()?; Ok(()) }

#[tauri::command]
pub async fn on_a_worker(app: AppHandle, state: State<'_, AppState>) -> Result<(), AppError> {
    let name = state.session()?.title();
    let path = dialogs::ask(&app, "{ (").await?;
    blocking(&app, move |state, _| { state.session()?.save(&path); Ok(()) }).await?;
    crate::session::write_file_atomically(&path, b"x")?;
    Ok(())
}

#[tauri::command]
pub async fn fine(app: AppHandle, kind: Kind) -> Result<String, AppError> {
    blocking(&app, move |state, app| state.with_session(app, |s| s.save(kind))).await
}

#[tauri::command]
pub fn ui_ready(app: AppHandle) -> Result<(), AppError> { Ok(()) }
"#;
    let found = command_breaches("made_up.rs", made_up);
    let expect = [
        "`#[tauri::command(async)]`",
        "command `on_the_main_thread` is sync",
        "command `on_the_main_thread` reaches `.session()`",
        "made_up.rs:10: command `on_a_worker` reaches `.session()`",
        "made_up.rs:13: command `on_a_worker` reaches `write_file_atomically(`",
    ];
    reports_exactly(&found, &expect, |f, e| f.contains(e));
}

// ---- The command lists cannot drift --------------------------------------
//
// A command is named in five places: its `#[tauri::command]` function, the
// handler list (`generate_handler!` in src-tauri/src/lib.rs), `COMMANDS`
// (src-tauri/src/command_list.rs, from which tauri-build makes a permission
// each), the grants in capabilities/main.json, and the UI's typed wrapper
// in ui/src/ipc*.rs. Each list must name the same commands.

/// The quoted names in `text` that follow one of `prefixes`.
fn quoted_after(text: &str, prefixes: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for prefix in prefixes {
        let mut rest = text;
        while let Some(i) = rest.find(prefix) {
            rest = &rest[i + prefix.len()..];
            let name: String = rest.chars().take_while(|c| *c != '"').collect();
            out.insert(name);
        }
    }
    out
}

/// The command names of each list, by list.
fn command_lists(
    read: impl Fn(&str) -> String,
    rust_sources: &[String],
    ui_sources: &[String],
) -> BTreeMap<&'static str, BTreeSet<String>> {
    let mut lists = BTreeMap::new();
    let command_list = read("src-tauri/src/command_list.rs");
    let array = command_list.split(" = &[").nth(1).and_then(|s| s.split("];").next()).unwrap_or("");
    lists.insert(
        "COMMANDS in command_list.rs",
        array.lines().filter_map(|l| l.trim().strip_prefix('"')?.split('"').next()).map(str::to_string).collect(),
    );
    let lib = read("src-tauri/src/lib.rs");
    let handlers = lib.split("generate_handler![").nth(1).and_then(|s| s.split(']').next()).unwrap_or("");
    lists.insert(
        "generate_handler! in lib.rs",
        handlers.split(',').filter_map(|p| p.trim().rsplit("::").next()).filter(|n| !n.is_empty()).map(str::to_string).collect(),
    );
    let caps: serde_json::Value = serde_json::from_str(&read("src-tauri/capabilities/main.json")).unwrap_or_default();
    lists.insert(
        "capabilities/main.json",
        caps["permissions"]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p.as_str()?.strip_prefix("allow-")).map(|n| n.replace('-', "_")).collect())
            .unwrap_or_default(),
    );
    let mut functions = BTreeSet::new();
    for source in rust_sources {
        let mut rest = source.as_str();
        while let Some(i) = rest.find("#[tauri::command") {
            rest = &rest[i..];
            if let Some(f) = rest.find("fn ") {
                functions.insert(rest[f + 3..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
            }
            rest = &rest[1..];
        }
    }
    lists.insert("#[tauri::command] functions", functions);
    let mut ui = BTreeSet::new();
    for source in ui_sources {
        ui.extend(quoted_after(source, &["call(\"", "call_raw_json(\"", "call_staged(\"", "subscribe(\""]));
    }
    lists.insert("the UI's wrappers (ui/src/ipc*.rs)", ui);
    lists
}

/// What differs between the lists: for each list, the names it lacks or
/// has beyond the handler list.
fn list_drift(lists: &BTreeMap<&'static str, BTreeSet<String>>) -> Vec<String> {
    let reference = &lists["generate_handler! in lib.rs"];
    let mut out = Vec::new();
    for (name, list) in lists {
        let missing: Vec<_> = reference.difference(list).cloned().collect();
        let extra: Vec<_> = list.difference(reference).cloned().collect();
        if !missing.is_empty() {
            out.push(format!("{name} lacks {}", missing.join(", ")));
        }
        if !extra.is_empty() {
            out.push(format!("{name} has {} that the handler list lacks", extra.join(", ")));
        }
    }
    out
}

// ---- The UI sends the arguments each command takes ------------------------
//
// Tauri matches a command's arguments by name, in camelCase on the wire: a
// wrapper that sends `traceToken` to a command whose parameter is
// `profile_token`, or `trace_token` without `rename_all = "camelCase"`,
// compiles on both sides and fails only when the engineer clicks. The
// check compares, per command, the keys the UI's wrapper sends with the
// command function's parameters (less the ones Tauri fills in itself).

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` inside its first `open` bracket (`(` or `{`) and the one that
/// closes it ([`closing`]); `None` when either is missing.
fn inside(text: &str, open: char) -> Option<&str> {
    let start = text.find(open)?;
    let end = closing(text.as_bytes(), start);
    (end < text.len()).then(|| &text[start + 1..end])
}

/// Splits at commas that are not inside `<>`, `()` or `[]`.
fn top_level_items(list: &str) -> Vec<&str> {
    let (mut out, mut depth, mut from) = (Vec::new(), 0i32, 0);
    for (i, c) in list.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&list[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    out.push(&list[from..]);
    out.into_iter().map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// A type as the wire sees it, written the same on both sides: no
/// references, lifetimes, `mut` or module paths; `str` is `String`, a
/// slice `[T]` is `Vec<T>`, any Tauri channel is `Channel`.
fn wire_type(ty: &str) -> String {
    let mut out = String::new();
    let mut chars = ty.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            // A lifetime: skip its name.
            while chars.peek().is_some_and(|c| c.is_alphanumeric() || *c == '_') {
                chars.next();
            }
        } else if c != '&' && !c.is_whitespace() {
            out.push(c);
        } else if c.is_whitespace() && out.ends_with("mut") && !out.ends_with("_mut") {
            out.truncate(out.len() - 3);
        }
    }
    // Module paths: every `ident::` goes.
    let mut t = String::new();
    let mut ident = String::new();
    let mut rest = out.as_str();
    while let Some(c) = rest.chars().next() {
        if c.is_alphanumeric() || c == '_' {
            ident.push(c);
            rest = &rest[c.len_utf8()..];
        } else if let Some(r) = rest.strip_prefix("::") {
            ident.clear();
            rest = r;
        } else {
            t.push_str(if ident == "str" { "String" } else { &ident });
            ident.clear();
            t.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    t.push_str(if ident == "str" { "String" } else { &ident });
    if t.starts_with("Channel<") || t == "Channel" {
        return "Channel".into();
    }
    // `[T]` → `Vec<T>` (a slice sends what a Vec receives).
    while let Some(i) = t.find('[') {
        let Some(j) = t[i..].find(']') else { break };
        t = format!("{}Vec<{}>{}", &t[..i], &t[i + 1..i + j], &t[i + j + 1..]);
    }
    t
}

/// `T` of `Result<T, AppError>` (or of `T` alone), as [`wire_type`].
fn reply_type(sig_tail: &str) -> String {
    let ty = wire_type(sig_tail);
    ty.strip_prefix("Result<").and_then(|t| t.strip_suffix(",AppError>")).map_or(ty.clone(), str::to_owned)
}

/// One command's wire: its argument keys with their types, and its reply
/// type (`None`: the reply is JSON bytes, its type not in the signature).
#[derive(Debug, Clone, PartialEq)]
struct Wire {
    keys: BTreeMap<String, String>,
    reply: Option<String>,
}

/// The wire each command expects: its parameters in camelCase with their
/// types, less those Tauri supplies (app handle, state, window), and the
/// type it replies with.
fn command_keys(rust_sources: &[String]) -> BTreeMap<String, Wire> {
    let mut out = BTreeMap::new();
    for source in rust_sources {
        let mut rest = source.as_str();
        while let Some(i) = rest.find("#[tauri::command") {
            rest = &rest[i + 1..];
            let Some(f) = rest.find("fn ") else { continue };
            let name: String = rest[f + 3..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let params = inside(&rest[f..], '(').unwrap_or("");
            let keys = top_level_items(params)
                .into_iter()
                .filter_map(|p| p.split_once(':'))
                .filter(|(_, ty)| !["AppHandle", "State<", "Window"].iter().any(|t| ty.contains(t)))
                .map(|(n, ty)| (camel(n.trim().trim_start_matches("mut ")), wire_type(ty)))
                .collect();
            // The signature after the parameters, up to the body.
            let after = rest[f..].find('(').map_or("", |o| &rest[f + closing(&rest.as_bytes()[f..], o) + 1..]);
            let sig = &after[..after.find('{').unwrap_or(after.len())];
            let reply = match sig.split_once("->") {
                Some((_, t)) => reply_type(t),
                None => "()".into(),
            };
            out.insert(name, Wire { keys, reply: (reply != "Response").then_some(reply) });
        }
    }
    out
}

/// The wire keys and types of the argument struct `name` defined in
/// `text`, if it is: its fields, in camelCase when the struct says
/// `rename_all = "camelCase"`.
fn struct_keys(text: &str, name: &str) -> Option<BTreeMap<String, String>> {
    let mut rest = text;
    while let Some(i) = rest.find("struct ") {
        let at = &rest[i + 7..];
        let ident: String = at.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if ident == name {
            // The attributes between the item before it and the struct.
            let before = &rest[..i];
            let attrs = &before[before.rfind(['}', ';']).map_or(0, |j| j + 1)..];
            let camel_case = attrs.contains("rename_all = \"camelCase\"");
            let body = inside(at, '{')?;
            return Some(
                top_level_items(body)
                    .into_iter()
                    .filter_map(|l| l.trim_start_matches("pub ").split_once(':'))
                    .map(|(n, ty)| (if camel_case { camel(n.trim()) } else { n.trim().to_owned() }, wire_type(ty)))
                    .collect(),
            );
        }
        rest = at;
    }
    None
}

/// The wire each of the UI's wrappers sends, by command: the fields of the
/// struct it passes (defined in the wrapper or in the module) with their
/// types, and the type it decodes the reply as.
fn wrapper_keys(ui_sources: &[String]) -> BTreeMap<String, Wire> {
    let mut out = BTreeMap::new();
    for source in ui_sources {
        for chunk in source.split("\npub async fn ").skip(1) {
            for prefix in ["call(\"", "call_raw_json(\"", "call_staged(\"", "subscribe(\""] {
                let Some(i) = chunk.find(prefix) else { continue };
                let after = &chunk[i + prefix.len()..];
                let cmd: String = after.chars().take_while(|c| *c != '"').collect();
                let channel = |k: &str| (k.to_owned(), "Channel".to_owned());
                let keys = if prefix == "subscribe(\"" {
                    Some(BTreeMap::from([channel("onEvent")]))
                } else {
                    let arg = after.split_once('&').map_or("", |(_, a)| a);
                    let name: String = arg.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    let keys = struct_keys(chunk, &name).or_else(|| ui_sources.iter().find_map(|s| struct_keys(s, &name)));
                    // A staged call adds the channel its first part comes on.
                    if prefix == "call_staged(\"" { keys.map(|k| k.into_iter().chain([channel("onFirst")]).collect()) } else { keys }
                };
                let head = &chunk[..chunk.find('{').unwrap_or(chunk.len())];
                let reply = head.rsplit_once("->").map_or_else(|| "()".to_owned(), |(_, t)| reply_type(t));
                // A field of a generic struct (`RequestArg<T> { request: &T }`)
                // has the type of the wrapper's parameter it is filled from.
                let params: BTreeMap<String, String> = top_level_items(inside(head, '(').unwrap_or(""))
                    .into_iter()
                    .filter_map(|p| p.split_once(':'))
                    .map(|(n, ty)| (camel(n.trim()), wire_type(ty)))
                    .collect();
                let generic = |ty: &str| ty.len() == 1 && ty.chars().all(|c| c.is_ascii_uppercase());
                // ... or of the value built in the call (`request: &OpenRequest { .. }`).
                let built = |n: &str| {
                    let at = after.split_once(&format!("{n}: &"))?.1;
                    Some(at.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>()).filter(|t| !t.is_empty())
                };
                let keys = keys.map(|k| {
                    k.into_iter()
                        .map(|(n, ty)| {
                            let resolved = if generic(&ty) { params.get(&n).cloned().or_else(|| built(&n)) } else { None };
                            (n, resolved.unwrap_or(ty))
                        })
                        .collect()
                });
                // A struct the check cannot find is reported as sending "?".
                let keys = keys.unwrap_or_else(|| BTreeMap::from([("?".to_owned(), "?".to_owned())]));
                out.insert(cmd, Wire { keys, reply: Some(reply) });
            }
        }
    }
    out
}

/// Commands whose wrapper sends other keys, or other types, than the
/// command takes, or decodes its reply as another type than it sends.
fn key_drift(commands: &BTreeMap<String, Wire>, wrappers: &BTreeMap<String, Wire>) -> Vec<String> {
    let mut out = Vec::new();
    for (cmd, sent) in wrappers {
        let Some(taken) = commands.get(cmd) else { continue };
        if sent.keys.keys().ne(taken.keys.keys()) {
            let f = |s: &BTreeMap<String, String>| s.keys().cloned().collect::<Vec<_>>().join(", ");
            out.push(format!("{cmd}: the UI sends [{}], the command takes [{}]", f(&sent.keys), f(&taken.keys)));
            continue;
        }
        for (key, ty) in &sent.keys {
            if taken.keys[key] != *ty {
                out.push(format!("{cmd}: `{key}` is {ty} in the UI, {} in the command", taken.keys[key]));
            }
        }
        if let (Some(ui), Some(cmd_reply)) = (&sent.reply, &taken.reply)
            && ui != cmd_reply
        {
            out.push(format!("{cmd}: the UI reads the reply as {ui}, the command sends {cmd_reply}"));
        }
    }
    out
}

#[test]
fn the_ui_sends_the_arguments_each_command_takes() {
    let read = |p: &str| std::fs::read_to_string(root().join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let mut ui = vec![read("ui/src/ipc.rs")];
    ui.extend(sources_under("ui/src/ipc").into_iter().map(|(_, text)| text));
    let rust: Vec<String> = sources_under("src-tauri/src").into_iter().map(|(_, text)| text).collect();
    let (commands, wrappers) = (command_keys(&rust), wrapper_keys(&ui));
    assert!(
        wrappers.len() > 60 && wrappers.values().filter(|k| !k.keys.is_empty()).count() > 30,
        "the wrappers were not read: {wrappers:?}"
    );
    let drift = key_drift(&commands, &wrappers);
    assert!(drift.is_empty(), "{}", drift.join("\n"));
}

#[test]
fn the_argument_check_catches_each_drift() {
    let rust = [r#"
#[tauri::command]
pub async fn sizing_smooth_compute(app: AppHandle, case: SmoothCase, trace_token: Option<String>, on_first: Channel<Response>) -> Result<(), AppError> { Ok(()) }
#[tauri::command]
pub async fn link_write(state: State<'_, AppState>, request: WriteRequest) -> Result<(), AppError> { Ok(()) }
#[tauri::command]
pub async fn project_open(app: AppHandle, path: String, mode: Option<OpenMode>) -> Result<(), AppError> { Ok(()) }
#[tauri::command]
pub fn link_subscribe(state: State<'_, AppState>, on_event: Channel<LinkEvent>) {}
#[tauri::command]
pub async fn link_samples(app: AppHandle, after: u64) -> Result<tauri::ipc::Response, AppError> { todo!() }
#[tauri::command]
pub async fn project_undo(app: AppHandle) -> Result<ProjectView, AppError> { todo!() }
#[tauri::command]
pub async fn link_scan(app: AppHandle, request: backstop_model::link::ScanRequest) -> Result<Vec<ScanHit>, AppError> { todo!() }
"#
    .to_owned()];
    let ui = [r#"
pub async fn sizing_smooth_compute(case: &SmoothCase, trace_token: Option<&str>) -> Result<Vec<u8>, AppError> {
    #[derive(Serialize)]
    struct Args<'a> {
        case: &'a SmoothCase,
        trace_token: Option<&'a str>,
    }
    call_staged("sizing_smooth_compute", &Args { case, trace_token }, |_| {}).await
}
pub async fn link_write(request: &WriteRequest) -> Result<(), AppError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        req: &'a WriteRequest,
    }
    call("link_write", &Args { req: request }).await
}
pub async fn project_open(path: &str) -> Result<(), AppError> {
    #[derive(Serialize)]
    struct Args<'a> {
        path: &'a str,
    }
    call("project_open", &Args { path }).await
}
pub async fn link_subscribe(on_event: impl Fn(LinkEvent) + 'static) -> Result<(), AppError> {
    subscribe("link_subscribe", on_event).await
}
pub async fn link_samples(after: u32) -> Result<LiveSamples, AppError> {
    #[derive(Serialize)]
    struct Args {
        after: u32,
    }
    call_raw_json("link_samples", &Args { after }).await
}
pub async fn project_undo() -> Result<ProjectState, AppError> {
    call("project_undo", &NoArgs {}).await
}
#[derive(Serialize)]
struct NoArgs {}
#[derive(Serialize)]
struct RequestArg<'a, T> {
    request: &'a T,
}
pub async fn link_scan(request: &ScanRequest) -> Result<Vec<backstop_model::link::ScanHit>, AppError> {
    call("link_scan", &RequestArg { request }).await
}
"#
    .to_owned()];
    let found = key_drift(&command_keys(&rust), &wrapper_keys(&ui));
    let expect = [
        "sizing_smooth_compute: the UI sends [case, onFirst, trace_token], the command takes [case, onFirst, traceToken]",
        "link_write: the UI sends [req], the command takes [request]",
        "project_open: the UI sends [path], the command takes [mode, path]",
        "link_samples: `after` is u32 in the UI, u64 in the command",
        "project_undo: the UI reads the reply as ProjectState, the command sends ProjectView",
    ];
    reports_exactly(&found, &expect, |f, e| f == e);
}

#[test]
fn the_five_command_lists_name_the_same_commands() {
    let read = |p: &str| std::fs::read_to_string(root().join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let mut ui = vec![read("ui/src/ipc.rs")];
    ui.extend(sources_under("ui/src/ipc").into_iter().map(|(_, text)| text));
    let rust: Vec<String> = sources_under("src-tauri/src").into_iter().map(|(_, text)| text).collect();
    let lists = command_lists(read, &rust, &ui);
    assert!(lists["generate_handler! in lib.rs"].len() > 60, "the handler list was not found: {lists:?}");
    let drift = list_drift(&lists);
    assert!(drift.is_empty(), "{}", drift.join("\n"));
}

#[test]
fn the_list_check_catches_each_drift() {
    let files: BTreeMap<&str, &str> = [
        ("src-tauri/src/command_list.rs", "pub const COMMANDS: &[&str] = &[\n    \"about\",\n    \"link_write\",\n    \"old_one\",\n];"),
        (
            "src-tauri/src/lib.rs",
            "tauri::generate_handler![\n    commands::about::about,\n    commands::link::link_write,\n    commands::link::link_new,\n]",
        ),
        ("src-tauri/capabilities/main.json", r#"{"permissions": ["allow-about", "allow-link-write", "allow-link-new"]}"#),
    ]
    .into_iter()
    .collect();
    let read = |p: &str| files[p].to_string();
    let rust = vec![
        "#[tauri::command]\npub async fn about() {}\n#[tauri::command]\npub async fn link_write() {}\n#[tauri::command]\npub async fn link_new() {}"
            .to_string(),
    ];
    let ui = vec!["call(\"about\", &NoArgs {})\ncall_raw_json(\"link_new\", &a)\ncall(\"link_wirte\", &r)".to_string()];
    let drift = list_drift(&command_lists(read, &rust, &ui));
    let expect = [
        "COMMANDS in command_list.rs lacks link_new",
        "COMMANDS in command_list.rs has old_one",
        "the UI's wrappers (ui/src/ipc*.rs) lacks link_write",
        "the UI's wrappers (ui/src/ipc*.rs) has link_wirte",
    ];
    reports_exactly(&drift, &expect, |f, e| f.starts_with(e));
}
