//! Project files in the real app: create, edit, close, reopen from Recent;
//! a corrupt file given on the command line is refused with a clear message;
//! a project named on the command line (as a desktop launcher passes a
//! double-clicked file) opens, and a second launch hands its file to the
//! running window instead of starting another.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use backstop_e2e::{Harness, Launch, SERIAL, app_binary, demo_project, wait_until};
use fantoccini::key::Key;

/// Launches a second `backstop-app` against the running one (same config
/// directory, same display) and returns what it printed once it has ended.
fn second_launch(app: &Harness, args: &[&str]) -> Result<String> {
    let mut child = Command::new(app_binary()?)
        .arg("--config-dir")
        .arg(app.config_dir())
        .args(args)
        .env("DISPLAY", &app.display)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("could not start a second backstop-app")?;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait()? {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().context("stderr")?, &mut err)?;
            if !status.success() {
                bail!("the second launch failed ({status}): {err}");
            }
            return Ok(err);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the second launch is still running: it opened its own window instead of handing its file over");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_on_the_command_line_opens_and_a_second_launch_hands_its_file_over() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let (dir, first) = demo_project("first site.backstop")?;
    let second = dir.path().join("second site.backstop");
    let status = Command::new(backstop_e2e::workspace_binary("backstop")?).arg("demo").arg(&second).status()?;
    anyhow::ensure!(status.success(), "backstop demo failed");

    // Positional, as the desktop entry passes a double-clicked file.
    let app = Harness::start(Launch { args: vec![first.display().to_string()] }).await?;
    app.wait_testid("project-open-card").await?;
    assert_eq!(app.text_testid("project-path").await?, first.display().to_string());

    // A second launch with another file: it hands the file over and ends;
    // the window asks before closing the open project.
    let said = second_launch(&app, &[second.to_str().context("path")?])?;
    assert!(said.contains("was handed to the Backstop that is already running"), "{said}");
    let path = app.text_testid("open-request-path").await?;
    assert_eq!(path, second.display().to_string());
    app.screenshot("project-handed-over").await?;
    app.click_testid("open-request-decline").await?;
    wait_until("the request to go", 10, async || {
        Ok(app.client.find_all(fantoccini::Locator::Css("[data-testid=open-request]")).await?.is_empty())
    })
    .await?;
    assert_eq!(app.text_testid("project-path").await?, first.display().to_string(), "declining keeps the open project");

    second_launch(&app, &[second.to_str().context("path")?])?;
    app.click_testid("open-request-accept").await?;
    app.wait_text("project-path", &second.display().to_string()).await?;

    // A file that cannot be opened, handed over the same way: the same
    // failure panel as File → Open.
    let bad = dir.path().join("attachment.backstop");
    std::fs::write(&bad, b"PK\x03\x04 not a project")?;
    second_launch(&app, &[bad.to_str().context("path")?])?;
    app.click_testid("open-request-accept").await?;
    let message = app.text_testid("open-failure-message").await?;
    assert!(message.contains("is not a Backstop project") && message.contains("attachment.backstop"), "{message}");
    app.screenshot("project-handed-over-bad").await?;
    app.finish().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_edit_close_and_reopen_from_recent() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let app = Harness::start(Launch::default()).await?;
    let file = app.scratch.join("Hall B é site.backstop");

    app.wait_testid("no-project").await?;
    app.click_testid("project-new").await?;
    app.wait_testid("new-project-form").await?;
    app.type_testid("new-name", "Hall B backstop").await?;
    app.type_testid("new-client", "Northwind Data").await?;
    // The location comes from the native save dialog, never from the page.
    app.answer_dialogs(&[file.as_path()])?;
    app.click_testid("new-browse").await?;
    let chosen = file.display().to_string();
    backstop_e2e::wait_until("the chosen location to show", 10, async || Ok(app.value_testid("new-location").await? == chosen)).await?;
    app.click_testid("new-create").await?;

    assert_eq!(app.text_testid("project-name").await?, "Hall B backstop");
    assert_eq!(app.text_testid("project-path").await?, file.display().to_string());
    assert!(file.is_file(), "the project file exists on disk as soon as it is created");
    let title = app.client.title().await?;
    assert!(title.starts_with("Hall B backstop"), "window title: {title:?}");

    // An edit is saved when the field loses focus, and becomes undoable.
    let client = app.wait_testid("info-client").await?;
    client.clear().await?;
    client.send_keys("Northwind Data Centers").await?;
    client.send_keys(&String::from(char::from(Key::Tab))).await?;
    app.wait_text("undo", "Undo Change client").await?;

    app.click_testid("project-close").await?;
    app.wait_testid("no-project").await?;
    app.click_testid("recent-open").await?;
    app.wait_testid("project-open-card").await?;
    assert_eq!(app.value_testid("info-client").await?, "Northwind Data Centers", "the edit survived closing");

    let shot = app.screenshot("project-reopened").await?;
    eprintln!("screenshot: {}", shot.display());
    app.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_file_is_refused_with_a_clear_message() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir()?;
    let bad = dir.path().join("emailed by client.backstop");
    std::fs::write(&bad, b"PK\x03\x04 this is a zip archive, not a project")?;
    let before = std::fs::read(&bad)?;

    // Positional, as a desktop launcher passes a double-clicked file.
    let app = Harness::start(Launch { args: vec![bad.display().to_string()] }).await?;
    let message = app.text_testid("open-failure-message").await?;
    assert!(message.contains("is not a Backstop project"), "message: {message}");
    assert!(message.contains("emailed by client.backstop"), "message names the file: {message}");
    app.wait_testid("no-project").await?;
    let shot = app.screenshot("project-corrupt").await?;
    eprintln!("screenshot: {}", shot.display());
    app.click_testid("open-failure-dismiss").await?;
    app.finish().await?;
    assert_eq!(std::fs::read(&bad)?, before, "a refused file is not modified");
    Ok(())
}
