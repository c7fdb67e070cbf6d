//! The navigation guard: the webview shows the app's own pages and nothing
//! else. A link or a script that tried to take the window to another page
//! (a web site, a `file:` URL, a `data:` page) would run outside the CSP and
//! the capability grants written for our UI; such navigations are refused
//! and logged.

use tauri::plugin::{Builder, TauriPlugin};
use tauri::{Runtime, Url};

/// Whether `url` is a page of the app itself: the `tauri` protocol that
/// serves `ui/dist` (`tauri://localhost` on Linux and macOS,
/// `http(s)://tauri.localhost` where WebView2 needs that form).
pub fn is_app_page(url: &Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost") && url.port().is_none(),
        _ => false,
    }
}

/// The plugin that applies [`is_app_page`] to every navigation of every
/// webview of the app.
pub fn guard<R: Runtime>() -> TauriPlugin<R> {
    Builder::new("navigation-guard")
        .on_navigation(|_, url| {
            let allowed = is_app_page(url);
            if !allowed {
                eprintln!("backstop-app: refused a navigation away from the app to {url}");
            }
            allowed
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_apps_own_pages_are_allowed() {
        for ok in ["tauri://localhost", "tauri://localhost/index.html#layout", "http://tauri.localhost/", "https://tauri.localhost/x"] {
            assert!(is_app_page(&Url::parse(ok).unwrap()), "{ok}");
        }
        for refused in [
            "https://example.com/",
            "http://localhost:8080/",
            "http://tauri.localhost:8080/",
            "https://tauri.localhost.example.com/",
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>",
            "javascript:alert(1)",
            "tauri://elsewhere/",
            "about:blank",
        ] {
            assert!(!is_app_page(&Url::parse(refused).unwrap()), "{refused}");
        }
    }
}
