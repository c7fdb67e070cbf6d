//! Harness for end-to-end tests: the real `backstop-app` binary in a real
//! webview (WebKitGTK), driven over WebDriver through tauri-driver and
//! WebKitWebDriver, on an Xvfb display started here when none is present.
//!
//! Every process the harness starts is stopped when the [`Harness`] is
//! dropped — also when a test panics: tauri-driver and everything below it
//! (WebKitWebDriver, the app) get SIGTERM, then SIGKILL if they linger.
//! Only processes started here are signalled, by pid.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// How long to wait for the wasm UI to mount on a cold start.
pub const UI_TIMEOUT: Duration = Duration::from_secs(40);

/// Root of the repository.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The cargo target directory (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("target"))
}

/// The app binary under test: `BACKSTOP_APP_BIN`, else `target/debug/backstop-app`.
pub fn app_binary() -> Result<PathBuf> {
    let path = std::env::var_os("BACKSTOP_APP_BIN").map(PathBuf::from).unwrap_or_else(|| target_dir().join("debug").join("backstop-app"));
    if !path.is_file() {
        bail!(
            "the app binary {} does not exist: build it first (scripts/test does: scripts/build-ui && cargo build -p backstop-app)",
            path.display()
        );
    }
    Ok(path)
}

/// Where tests put screenshots and other artefacts: `target/e2e/`.
pub fn artefact_dir() -> PathBuf {
    let dir = target_dir().join("e2e");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// What to launch the app with.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// Extra command-line arguments of `backstop-app`.
    pub args: Vec<String>,
}

/// A running app under WebDriver control.
pub struct Harness {
    pub client: Client,
    processes: Processes,
    /// Per-test scratch directory (config dir, project files).
    pub scratch: PathBuf,
    /// The X display the app runs on.
    pub display: String,
}

#[derive(Default)]
struct Processes {
    xvfb: Option<Child>,
    driver: Option<Child>,
}

impl Harness {
    /// Starts Xvfb (if there is no display), tauri-driver and the app.
    pub async fn start(launch: Launch) -> Result<Harness> {
        let app = app_binary()?;
        let mut processes = Processes::default();
        let display = match current_display() {
            Some(d) => d,
            None => {
                let (child, display) = start_xvfb()?;
                processes.xvfb = Some(child);
                display
            }
        };
        let port = free_port()?;
        let native_port = free_port()?;
        let driver = Command::new(tool("tauri-driver")?)
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("DISPLAY", &display)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("could not start tauri-driver (run scripts/setup --test)")?;
        processes.driver = Some(driver);
        wait_for_port(port, Duration::from_secs(15)).context("tauri-driver did not start listening")?;

        let scratch = tempdir()?;
        // Native file dialogs cannot be driven over WebDriver: the app takes
        // their answers from a file the test fills (`answer_dialogs`).
        let mut args = vec![
            "--config-dir".to_string(),
            scratch.join("config").display().to_string(),
            "--dialog-answers".to_string(),
            scratch.join("dialog-answers").display().to_string(),
        ];
        args.extend(launch.args);
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert("tauri:options".into(), json!({ "application": app.display().to_string(), "args": args }));
        // tauri-driver accepts connections slightly before WebKitWebDriver is
        // ready; a session request in that window is refused at once. Retry a
        // few times, then report the last refusal.
        let mut attempt = 0;
        let client = loop {
            attempt += 1;
            let result = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
            match result {
                Ok(client) => break client,
                Err(err) if attempt < 4 => {
                    eprintln!("WebDriver session attempt {attempt} refused ({err}); retrying");
                    tokio::time::sleep(Duration::from_millis(500 * attempt)).await;
                }
                Err(err) => {
                    return Err(
                        anyhow!(err).context("WebDriver session could not be created (is WebKitWebDriver installed? scripts/setup --test)")
                    );
                }
            }
        };
        Ok(Harness { client, processes, scratch, display })
    }

    /// The app's per-user config directory (`--config-dir`), where the
    /// running instance can be reached by a second launch.
    pub fn config_dir(&self) -> PathBuf {
        self.scratch.join("config")
    }

    /// Waits for an element by `data-testid`.
    pub async fn wait_testid(&self, id: &str) -> Result<fantoccini::elements::Element> {
        let css = format!("[data-testid=\"{id}\"]");
        self.client
            .wait()
            .at_most(UI_TIMEOUT)
            .for_element(Locator::Css(&css))
            .await
            .with_context(|| format!("element [data-testid={id}] did not appear within {UI_TIMEOUT:?}"))
    }

    /// Scrolls an element (by `data-testid`) into the middle of the window.
    /// The areas scroll, and WebKitWebDriver refuses a click or pointer move
    /// on an element outside the viewport ("element not interactable")
    /// rather than scrolling to it.
    pub async fn show_testid(&self, id: &str) -> Result<()> {
        self.wait_testid(id).await?;
        self.client
            .execute(
                "const e = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); if (e) e.scrollIntoView({block: 'center'});",
                vec![json!(id)],
            )
            .await
            .with_context(|| format!("could not scroll [data-testid={id}] into view"))?;
        Ok(())
    }

    /// Clicks an element by `data-testid`, scrolled into view first.
    ///
    /// The UI re-renders parts of the page when data arrives (a checklist
    /// card is replaced when the step before it finishes), so an element
    /// found a moment ago can be stale, out of view or briefly covered by
    /// the time the click lands. Such a click is retried on a freshly found
    /// element until [`UI_TIMEOUT`]; the last refusal is reported in full.
    /// The answers the next native file dialogs get, in order (the app was
    /// started with `--dialog-answers`).
    pub fn answer_dialogs(&self, paths: &[&Path]) -> Result<()> {
        let mut text = String::new();
        for p in paths {
            text.push_str(&p.display().to_string());
            text.push('\n');
        }
        std::fs::write(self.scratch.join("dialog-answers"), text).context("writing the dialog answers")
    }

    pub async fn click_testid(&self, id: &str) -> Result<()> {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            self.show_testid(id).await?;
            let el = self.wait_testid(id).await?;
            match el.click().await {
                Ok(_) => return Ok(()),
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(150)).await;
                }
                Err(err) => return Err(anyhow!("could not click [data-testid={id}]: {err:?}")),
            }
        }
    }

    /// Text of an element by `data-testid`.
    pub async fn text_testid(&self, id: &str) -> Result<String> {
        Ok(self.wait_testid(id).await?.text().await?)
    }

    /// Types `text` into an input by `data-testid` (after clearing it),
    /// scrolled into view first; retried like [`Harness::click_testid`].
    pub async fn type_testid(&self, id: &str, text: &str) -> Result<()> {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            self.show_testid(id).await?;
            let el = self.wait_testid(id).await?;
            let typed = async {
                el.clear().await?;
                el.send_keys(text).await
            };
            match typed.await {
                Ok(()) => return Ok(()),
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(150)).await;
                }
                Err(err) => return Err(anyhow!("could not type into [data-testid={id}]: {err:?}")),
            }
        }
    }

    /// The `value` property of an input by `data-testid`.
    pub async fn value_testid(&self, id: &str) -> Result<String> {
        Ok(self.wait_testid(id).await?.prop("value").await?.unwrap_or_default())
    }

    /// Waits until the element's text equals `expected`.
    /// Presses Ctrl+`key` (the app's shortcuts: Ctrl+Z undo, Ctrl+Y redo).
    pub async fn ctrl(&self, key: char) -> Result<()> {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        const CONTROL: char = '\u{e009}';
        self.client
            .perform_actions(
                KeyActions::new("keys".into())
                    .then(KeyAction::Down { value: CONTROL })
                    .then(KeyAction::Down { value: key })
                    .then(KeyAction::Up { value: key })
                    .then(KeyAction::Up { value: CONTROL }),
            )
            .await?;
        self.client.release_actions().await?;
        Ok(())
    }

    pub async fn wait_text(&self, id: &str, expected: &str) -> Result<()> {
        let deadline = Instant::now() + UI_TIMEOUT;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(&format!("[data-testid=\"{id}\"]"))).await
                && let Ok(text) = el.text().await
            {
                if text == expected {
                    return Ok(());
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("[data-testid={id}] never read {expected:?} within {UI_TIMEOUT:?} (last: {last:?})")
    }

    /// Saves a screenshot of the window as `target/e2e/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        // Without accelerated compositing (the app's choice where there is
        // no GPU, as under Xvfb: `display::choose_compositing`), WebKitGTK
        // answers a screenshot after the page's next presentation update,
        // and an idle page makes none: the command, and every command after
        // it, then waits for ever (seen after a file handed over from a
        // second launch). A pixel in the bottom-right corner toggled between
        // transparent and 2 % grey for two seconds gives it that update; it
        // is removed afterwards.
        self.client
            .execute(
                "let p = document.getElementById('e2e-repaint'); \
                 if (p) { p.ticks = 0; return 1; } \
                 p = document.createElement('div'); p.id = 'e2e-repaint'; p.ticks = 0; \
                 p.style.cssText = 'position:fixed;right:0;bottom:0;width:1px;height:1px;pointer-events:none;z-index:2147483647'; \
                 document.body.appendChild(p); \
                 const tick = () => { if (p.ticks >= 40) { p.remove(); return; } \
                   p.style.background = p.ticks++ % 2 ? 'rgba(0,0,0,0.02)' : 'rgba(0,0,0,0)'; setTimeout(tick, 50); }; \
                 setTimeout(tick, 30); return 1;",
                vec![],
            )
            .await
            .context("preparing the screenshot")?;
        let png = tokio::time::timeout(Duration::from_secs(30), self.client.screenshot())
            .await
            .map_err(|_| anyhow!("the screenshot {name} did not come within 30 s"))?
            .context("screenshot failed")?;
        let path = artefact_dir().join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Ends the WebDriver session (closing the app) and stops the processes.
    pub async fn finish(self) -> Result<()> {
        let Harness { client, processes, scratch, .. } = self;
        let closed = client.close().await;
        drop(processes);
        let _ = std::fs::remove_dir_all(scratch);
        closed.map_err(|e| anyhow!("closing the WebDriver session failed: {e}"))
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.take() {
            stop_tree(driver);
        }
        if let Some(xvfb) = self.xvfb.take() {
            stop_tree(xvfb);
        }
    }
}

/// SIGTERM to a child and all its descendants (deepest first), SIGKILL to
/// whatever is still alive after a grace period, then reap the child.
fn stop_tree(mut child: Child) {
    let root = child.id() as i32;
    let mut pids = descendants(root);
    pids.reverse();
    pids.push(root);
    for &pid in &pids {
        signal(pid, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && pids.iter().any(|&p| alive(p)) {
        // Reap the root as soon as it exits so it does not linger as a zombie.
        let _ = child.try_wait();
        std::thread::sleep(Duration::from_millis(50));
    }
    for &pid in &pids {
        if alive(pid) {
            signal(pid, libc::SIGKILL);
        }
    }
    let _ = child.wait();
}

fn signal(pid: i32, sig: i32) {
    // SAFETY: kill(2) takes plain integers and has no memory-safety requirements.
    unsafe {
        libc::kill(pid, sig);
    }
}

fn alive(pid: i32) -> bool {
    // A zombie still has a /proc entry; treat state Z as gone.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit(')').next().map(|rest| !rest.trim_start().starts_with('Z')).unwrap_or(false),
        Err(_) => false,
    }
}

/// All descendants of `root`, parents before children.
fn descendants(root: i32) -> Vec<i32> {
    let mut parent_of = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
            if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
                // Field 4 (ppid) comes after the parenthesised command name.
                if let Some(ppid) = stat.rsplit(')').next().and_then(|r| r.split_whitespace().nth(1)).and_then(|s| s.parse::<i32>().ok()) {
                    parent_of.push((pid, ppid));
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for &(pid, ppid) in &parent_of {
            if ppid == p && !out.contains(&pid) {
                out.push(pid);
                frontier.push(pid);
            }
        }
    }
    out
}

fn current_display() -> Option<String> {
    let display = std::env::var("DISPLAY").ok().filter(|d| !d.is_empty())?;
    if let Some(n) = display.strip_prefix(':').and_then(|r| r.split('.').next())
        && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
    {
        return None;
    }
    Some(display)
}

fn start_xvfb() -> Result<(Child, String)> {
    let xvfb = tool("Xvfb")?;
    for n in 90..190 {
        if Path::new(&format!("/tmp/.X{n}-lock")).exists() || Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
            continue;
        }
        let display = format!(":{n}");
        let mut child = Command::new(&xvfb)
            .args([display.as_str(), "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("could not start Xvfb")?;
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if socket.exists() {
                return Ok((child, display));
            }
            if let Ok(Some(_)) = child.try_wait() {
                break; // lost a race for this display number; try the next
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        stop_tree(child);
    }
    bail!("could not start Xvfb on any display :90..:189")
}

fn tool(name: &str) -> Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let home_cargo = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin"));
    std::env::split_paths(&path)
        .chain(home_cargo)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| anyhow!("`{name}` is not installed; run scripts/setup --test"))
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_for_port(port: u16, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("nothing listened on port {port} within {limit:?}")
}

fn tempdir() -> Result<PathBuf> {
    let base = std::env::temp_dir().join(format!(
        "backstop-e2e-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    ));
    std::fs::create_dir_all(&base)?;
    Ok(base)
}

/// Polls `f` every 50 ms until it answers yes (an error counts as not yet)
/// or `secs` have passed.
pub async fn wait_until(what: &str, secs: u64, mut f: impl AsyncFnMut() -> Result<bool>) -> Result<()> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if f().await.unwrap_or(false) {
            // Slow waits are printed: a wait creeping towards its limit
            // shows in the log before it fails.
            if started.elapsed() > Duration::from_secs(2) {
                eprintln!("waited {:.1} s (of {secs} s) for {what}", started.elapsed().as_secs_f64());
            }
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("timed out after {secs} s waiting for {what}")
}

/// Writes the demo project (`backstop demo`) as `name` in a new temporary
/// directory; the directory lives as long as the returned guard.
pub fn demo_project(name: &str) -> Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir()?;
    let project = dir.path().join(name);
    let status = Command::new(workspace_binary("backstop")?).arg("demo").arg(&project).status()?;
    anyhow::ensure!(status.success(), "backstop demo {} failed", project.display());
    Ok((dir, project))
}

/// A helper binary of this workspace (`backstop`, `backstop-sim`), built
/// by scripts/test before the tests run.
pub fn workspace_binary(name: &str) -> Result<PathBuf> {
    let path = target_dir().join("debug").join(name);
    if !path.is_file() {
        bail!("{} does not exist: build it first (cargo build -p backstop-cli -p backstop-sim)", path.display());
    }
    Ok(path)
}

/// A child process stopped (with everything below it) when dropped.
pub struct Spawned {
    child: Option<Child>,
    pub name: String,
}

impl Spawned {
    pub fn new(name: &str, child: Child) -> Spawned {
        Spawned { child: Some(child), name: name.to_string() }
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().map(|c| c.id() as i32).unwrap_or(0)
    }

    /// Pauses (SIGSTOP) or resumes (SIGCONT) the process.
    pub fn pause(&self, paused: bool) {
        signal(self.pid(), if paused { libc::SIGSTOP } else { libc::SIGCONT });
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            signal(child.id() as i32, libc::SIGCONT);
            stop_tree(child);
        }
    }
}

/// A socat pseudo-terminal pair in `dir`: (process, app end, device end).
pub fn socat_pair(dir: &Path) -> Result<(Spawned, PathBuf, PathBuf)> {
    let (a, b) = (dir.join("ttyApp"), dir.join("ttySim"));
    let child = Command::new(tool("socat")?)
        .arg(format!("pty,raw,echo=0,link={}", a.display()))
        .arg(format!("pty,raw,echo=0,link={}", b.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("could not start socat (run scripts/setup --test)")?;
    let guard = Spawned::new("socat", child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(a.exists() && b.exists()) {
        if Instant::now() > deadline {
            bail!("socat did not create {} and {}", a.display(), b.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((guard, a, b))
}

/// Starts the pack-controller simulator and waits for its ready line.
pub fn start_simulator(args: &[&str]) -> Result<Spawned> {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(workspace_binary("backstop-sim")?)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("could not start backstop-sim")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let guard = Spawned::new("backstop-sim", child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        let mut line = String::new();
        let _ = r.read_line(&mut line);
        let _ = tx.send(line);
        let _ = std::io::copy(&mut r, &mut std::io::sink());
    });
    let line = rx.recv_timeout(Duration::from_secs(20)).context("backstop-sim did not get ready")?;
    if !line.starts_with("ready") {
        bail!("backstop-sim: {line}");
    }
    Ok(guard)
}

/// Serialises end-to-end tests within one test binary: each starts its own
/// app, and two webviews at once on a 2-core CI machine only slow both down.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
