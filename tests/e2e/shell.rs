//! The app shell: every area is reachable and the about panel shows facts
//! that could only have come from the Rust backend over IPC.

use anyhow::{Result, bail};
use backstop_e2e::{Harness, Launch, SERIAL};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_navigates_every_area_and_about_comes_from_rust() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let app = Harness::start(Launch::default()).await?;

    // The wasm UI mounted (so the CSP let it compile) and lands on Project.
    app.wait_testid("area-project").await?;

    for (nav, area, title) in [
        ("nav-layout", "area-layout", "Layout"),
        ("nav-sizing", "area-sizing", "Sizing"),
        ("nav-commissioning", "area-commissioning", "Commissioning"),
        ("nav-reports", "area-reports", "Reports"),
        ("nav-project", "area-project", "Project"),
    ] {
        app.click_testid(nav).await?;
        let heading = app.wait_testid(area).await?.find(fantoccini::Locator::Css("h1")).await?.text().await?;
        assert_eq!(heading, title, "area heading after clicking {nav}");
        assert_eq!(app.text_testid("status-area").await?, title, "status bar after clicking {nav}");
    }

    app.click_testid("nav-about").await?;
    app.wait_testid("about-panel").await?;
    // Wait for the IPC reply: either the facts or an error shown in their place.
    let reply = app
        .client
        .wait()
        .at_most(backstop_e2e::UI_TIMEOUT)
        .for_element(fantoccini::Locator::Css("[data-testid=about-version], [data-testid=about-error]"))
        .await?;
    if reply.attr("data-testid").await?.as_deref() == Some("about-error") {
        bail!("the about command failed over IPC: {}", reply.text().await?);
    }
    assert_eq!(reply.text().await?, env!("CARGO_PKG_VERSION"), "version from the backend");
    let rustc = app.text_testid("about-rustc").await?;
    assert!(rustc.starts_with("rustc 1."), "compiler reported by the backend: {rustc:?}");
    let tauri = app.text_testid("about-tauri").await?;
    assert!(tauri.starts_with("2."), "Tauri version reported by the backend: {tauri:?}");
    assert_eq!(app.text_testid("about-project").await?, "none open");

    let shot = app.screenshot("shell-about").await?;
    eprintln!("screenshot: {}", shot.display());
    app.click_testid("about-close").await?;
    app.finish().await
}
