//! Detects, before GTK is initialised, whether a graphical display is
//! reachable, so that a headless machine gets a clear message instead of a
//! GTK panic or a hang.

use std::path::PathBuf;

/// `Ok` when a display is likely usable, `Err(message)` with advice otherwise.
#[cfg(not(unix))]
pub fn check() -> Result<(), String> {
    // Windows and macOS always have their own display.
    Ok(())
}

/// `Ok` when a display is likely usable, `Err(message)` with advice otherwise.
#[cfg(unix)]
pub fn check() -> Result<(), String> {
    if !cfg!(target_os = "linux") {
        return Ok(());
    }
    let wayland = std::env::var("WAYLAND_DISPLAY").unwrap_or_default();
    if !wayland.is_empty() {
        return Ok(());
    }
    let display = std::env::var("DISPLAY").unwrap_or_default();
    if display.is_empty() {
        return Err(NO_DISPLAY.to_string());
    }
    match local_x_socket(&display) {
        // A remote or unusual DISPLAY: let GTK try.
        None => Ok(()),
        Some(socket) => match std::os::unix::net::UnixStream::connect(&socket) {
            Ok(_) => Ok(()),
            Err(err) => Err(format!(
                "the X display {display} is set but cannot be reached ({}: {err}). \
                 Start the X server, or run on a virtual display: xvfb-run -a scripts/demo",
                socket.display()
            )),
        },
    }
}

/// The environment variable WebKitGTK reads to draw pages without
/// accelerated compositing.
pub const WEBKIT_NO_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// The engineer's choice of the webview's compositing: `on`, `off` or
/// `auto` (the default).
pub const COMPOSITING_CHOICE: &str = "BACKSTOP_WEBVIEW_COMPOSITING";

/// Whether the webview should draw without accelerated compositing, and
/// why; `None` leaves WebKitGTK's own choice. WebKitGTK composites pages
/// with OpenGL. Without a GPU (no DRM render node: a virtual machine, a
/// remote session, Xvfb) that OpenGL is Mesa's software rasteriser, and
/// every redraw costs the CPU the engine computes on: the smoothing
/// editor's redraw of a day took 30–70 ms longer with it (BENCHMARKS.md).
/// So `auto` turns compositing off when there is no render node.
/// `on` and `off` force the choice; a `WEBKIT_DISABLE_COMPOSITING_MODE`
/// the engineer set is theirs and is kept.
pub fn compositing_off(choice: Option<&str>, already_set: bool, has_render_node: bool) -> Result<Option<&'static str>, String> {
    if already_set {
        return Ok(None);
    }
    match choice.map(str::trim).unwrap_or("auto") {
        "on" => Ok(None),
        "off" => Ok(Some("BACKSTOP_WEBVIEW_COMPOSITING=off")),
        "auto" | "" => Ok((!has_render_node).then_some("no GPU render node (/dev/dri/renderD*): OpenGL would be software-rendered")),
        other => Err(format!("{COMPOSITING_CHOICE}={other:?} is not one of on, off, auto; using auto")),
    }
}

/// Whether a DRM render node (a GPU the webview's OpenGL could use) exists.
pub fn has_render_node() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    std::fs::read_dir("/dev/dri")
        .map(|entries| entries.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")))
        .unwrap_or(false)
}

/// Applies [`compositing_off`] to this process's environment (inherited by
/// the webview's processes); returns the reason when it turned compositing
/// off. Call it before any thread starts: it sets an environment variable.
pub fn choose_compositing() -> Option<&'static str> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let choice = std::env::var(COMPOSITING_CHOICE).ok();
    let decided = compositing_off(choice.as_deref(), std::env::var_os(WEBKIT_NO_COMPOSITING).is_some(), has_render_node());
    let off = decided.unwrap_or_else(|message| {
        eprintln!("backstop-app: {message}");
        compositing_off(None, false, has_render_node()).ok().flatten()
    });
    if off.is_some() {
        // SAFETY: called from `main` before any thread of this process
        // starts (see the caller), so nothing reads the environment meanwhile.
        unsafe { std::env::set_var(WEBKIT_NO_COMPOSITING, "1") };
    }
    off
}

#[cfg_attr(not(unix), allow(dead_code))]
const NO_DISPLAY: &str = "Backstop needs a graphical display and none is set \
(DISPLAY and WAYLAND_DISPLAY are both empty). On a desktop, start it from the \
desktop session; on a headless machine run it on a virtual display, e.g. \
`xvfb-run -a scripts/demo` (see README, \"Headless machines\").";

/// `:N` or `:N.S` → `/tmp/.X11-unix/XN`; other forms (host:N, unix paths) → None.
#[cfg_attr(not(unix), allow(dead_code))]
fn local_x_socket(display: &str) -> Option<PathBuf> {
    let rest = display.strip_prefix(':')?;
    let number = rest.split('.').next()?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(PathBuf::from(format!("/tmp/.X11-unix/X{number}")))
}

#[cfg(test)]
mod tests {
    use super::local_x_socket;

    #[test]
    fn compositing_is_turned_off_only_without_a_gpu_or_when_asked() {
        use super::compositing_off;
        // auto: off without a render node, WebKitGTK's choice with one.
        assert!(compositing_off(None, false, false).unwrap().is_some());
        assert!(compositing_off(Some("auto"), false, false).unwrap().is_some());
        assert_eq!(compositing_off(None, false, true).unwrap(), None);
        // Forced either way.
        assert_eq!(compositing_off(Some("on"), false, false).unwrap(), None);
        assert!(compositing_off(Some("off"), false, true).unwrap().is_some());
        // The engineer's own WebKit setting is kept, whatever we would choose.
        assert_eq!(compositing_off(Some("off"), true, false).unwrap(), None);
        // A word we do not know is named.
        let e = compositing_off(Some("fast"), false, false).unwrap_err();
        assert!(e.contains("\"fast\"") && e.contains("on, off, auto"), "{e}");
    }

    #[test]
    fn local_display_names_map_to_sockets() {
        assert_eq!(local_x_socket(":0").unwrap().to_str(), Some("/tmp/.X11-unix/X0"));
        assert_eq!(local_x_socket(":99.0").unwrap().to_str(), Some("/tmp/.X11-unix/X99"));
        assert_eq!(local_x_socket("remote:10.0"), None);
        assert_eq!(local_x_socket(":abc"), None);
        assert_eq!(local_x_socket(":"), None);
    }
}
