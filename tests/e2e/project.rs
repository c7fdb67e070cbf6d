//! Project files in the real app: create, edit, close, reopen from Recent;
//! a corrupt file given on the command line is refused with a clear message.

use anyhow::Result;
use backstop_e2e::{Harness, Launch, SERIAL};
use fantoccini::key::Key;

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

    let app = Harness::start(Launch { args: vec!["--project".into(), bad.display().to_string()] }).await?;
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
