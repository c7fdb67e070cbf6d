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
    fn local_display_names_map_to_sockets() {
        assert_eq!(local_x_socket(":0").unwrap().to_str(), Some("/tmp/.X11-unix/X0"));
        assert_eq!(local_x_socket(":99.0").unwrap().to_str(), Some("/tmp/.X11-unix/X99"));
        assert_eq!(local_x_socket("remote:10.0"), None);
        assert_eq!(local_x_socket(":abc"), None);
        assert_eq!(local_x_socket(":"), None);
    }
}
