//! The demo site commissioned end to end in the real app, against the
//! simulator on a socat pseudo-terminal: nine packs (one per battery cabinet), unit 2 with an
//! out-of-tolerance cell spread and unit 3 on the wrong firmware — both
//! caught; an armed write verified by read-back; the communication-loss
//! step exercised by stopping and restarting the simulator; sign-off; and
//! everything recorded in the project file.

use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use backstop_e2e::{Harness, Launch, SERIAL, demo_project, socat_pair, start_simulator, wait_until, workspace_binary};
use fantoccini::Locator;

/// The simulated packs' communication-loss watchdog, in seconds. Longer
/// than the pause the test itself makes between the scan and starting the
/// live poll (the tool sends nothing meanwhile): at 3 s, a slow CI machine
/// let the packs trip before the poll began (2026-12-03, fresh-clone run).
const COMM_TIMEOUT_S: u64 = 8;

async fn outcome(app: &Harness, step: &str) -> Result<String> {
    let card = app.wait_testid(&format!("step-{step}")).await?;
    Ok(card.find(Locator::Css("[data-testid=outcome]")).await?.text().await?)
}

async fn run_step(app: &Harness, step: &str, expect: &str) -> Result<String> {
    app.click_testid(&format!("run-{step}")).await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(o) = outcome(app, step).await {
            if o == expect {
                return app.text_testid(&format!("step-{step}")).await;
            }
            if std::time::Instant::now() > deadline {
                bail!("step {step}: outcome {o}, expected {expect}: {}", app.text_testid(&format!("step-{step}")).await?);
            }
        } else if std::time::Instant::now() > deadline {
            bail!("step {step} shows no outcome");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The demo's battery room holds nine cabinets, one pack controller each
/// (unit ids 1–9, the address plan in the demo project).
const PACKS: usize = 9;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_site_is_commissioned_against_the_simulator() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let (dir, project) = demo_project("demo site.backstop")?;
    let (_socat, tty_app, tty_sim) = socat_pair(dir.path())?;
    let sim = start_simulator(&[
        "--serial",
        tty_sim.to_str().context("path")?,
        "--units",
        "1-9",
        "--unit-spread",
        "2=62",
        "--unit-firmware",
        "3=2.2.9",
        "--comm-timeout-s",
        &COMM_TIMEOUT_S.to_string(),
    ])?;

    let app = Harness::start(Launch {
        args: vec!["--project".into(), project.display().to_string(), "--demo-link".into(), tty_app.display().to_string()],
    })
    .await?;
    app.wait_testid("project-open-card").await?;
    app.click_testid("nav-commissioning").await?;
    app.wait_testid("area-commissioning").await?;

    // Connect: the demo link is offered and pre-filled.
    wait_until("the demo link to be pre-filled", 10, async || Ok(!app.value_testid("serial-path").await?.is_empty())).await?;
    assert_eq!(app.value_testid("serial-path").await?, tty_app.display().to_string());
    app.click_testid("link-connect").await?;
    wait_until("the link to connect", 10, async || Ok(app.text_testid("link-label").await?.starts_with("connected"))).await?;
    // The echo check ran when the port opened; its finding shows beside the setting.
    wait_until("the echo check", 10, async || Ok(app.text_testid("echo-detected").await? == "line checked: no echo")).await?;
    app.type_testid("scan-last", "10").await?;
    app.click_testid("scan").await?;
    wait_until("the scan to finish", 20, async || Ok(app.text_testid("scan-progress").await?.contains("(done)"))).await?;
    assert!(
        app.text_testid("scan-progress").await?.ends_with("found: 1, 2, 3, 4, 5, 6, 7, 8, 9"),
        "{}",
        app.text_testid("scan-progress").await?
    );
    wait_until("nine discovered devices", 20, async || {
        Ok(app.client.find_all(Locator::Css("[data-testid=device-row]")).await?.len() == PACKS)
    })
    .await?;

    // Live: poll fast, stale after 2 s.
    app.click_testid("tab-live").await?;
    let inputs = app.client.find_all(Locator::Css(".toolbar input.short")).await?;
    inputs[0].clear().await?;
    inputs[0].send_keys("300").await?;
    inputs[1].clear().await?;
    inputs[1].send_keys("2000").await?;
    app.click_testid("poll-start").await?;
    wait_until("nine live pack cards", 15, async || Ok(app.client.find_all(Locator::Css("[data-testid=pack-card]")).await?.len() == PACKS))
        .await?;
    // The live values go into the open project's telemetry log, and the area says so.
    wait_until("the telemetry log status", 10, async || Ok(app.text_testid("log-status").await?.contains("logged to"))).await?;
    assert!(app.text_testid("log-status").await?.ends_with(".backstop"), "{}", app.text_testid("log-status").await?);
    let spreads = app.client.find_all(Locator::Css("[data-testid=pack-spread]")).await?;
    let spread2: f64 = spreads[1].text().await?.trim_end_matches(" mV").parse()?;
    assert!(spread2 > 55.0, "unit 2 shows its cell spread live: {spread2} mV");
    app.screenshot("commissioning-live").await?;

    // An armed write, confirmed old → new, verified by read-back.
    app.click_testid("tab-write").await?;
    app.type_testid("arm-engineer", "E2E Engineer").await?;
    app.click_testid("arm").await?;
    // Two IPC round trips (arm, then status) while nine packs stream live.
    // A wait, not a speed requirement. When samples were pushed to the
    // window one by one, a starved webview queued them and this reply
    // behind them (43 s under load); the UI now asks for the latest
    // samples when it is ready (`link_samples`).
    wait_until("armed", 15, async || Ok(app.text_testid("armed-state").await?.starts_with("ARMED"))).await?;
    app.wait_testid("write-unit").await?.select_by_value("1").await?;
    wait_until("writable points", 15, async || Ok(app.client.find_all(Locator::Css("[data-testid=write-point] option")).await?.len() > 2))
        .await?;
    app.wait_testid("write-point").await?.select_by_value("SoCRsvMin").await?;
    // 12 % is inside the model's range but outside the project's design
    // setpoint (10 ± 0.5 %): the backend refuses it, naming the limit, and
    // nothing is written.
    app.type_testid("write-value", "12").await?;
    app.click_testid("write-review").await?;
    let confirm = app.text_testid("write-confirm").await?;
    assert!(confirm.contains("→ 12"), "the confirmation shows old → new: {confirm}");
    app.click_testid("write-confirm-go").await?;
    wait_until("the refusal", 10, async || {
        for n in app.client.find_all(Locator::Css("[data-testid=notice-message]")).await? {
            if n.text().await?.contains("design setpoint 802.SoCRsvMin = 10 ± 0.5 %") {
                return Ok(true);
            }
        }
        Ok(false)
    })
    .await?;
    app.screenshot("commissioning-write-refused").await?;
    assert!(!app.text_testid("write-outcomes").await?.contains("verified"), "nothing was verified");
    app.type_testid("write-value", "10.4").await?;
    app.click_testid("write-review").await?;
    app.click_testid("write-confirm-go").await?;
    wait_until("a verified write", 10, async || Ok(app.text_testid("write-outcomes").await?.contains("verified"))).await?;
    // Back to the design value, for the as-left check.
    app.type_testid("write-value", "10").await?;
    app.click_testid("write-review").await?;
    app.click_testid("write-confirm-go").await?;
    wait_until("the second verified write", 10, async || Ok(app.text_testid("write-outcomes").await?.matches("verified").count() == 2))
        .await?;

    // The checklist.
    app.click_testid("tab-checklist").await?;
    app.type_testid("session-engineer", "E2E Engineer").await?;
    app.click_testid("session-start").await?;
    app.wait_testid("session-summary").await?;
    run_step(&app, "comms", "PASS").await?;
    let fw = run_step(&app, "firmware", "FAIL").await?;
    assert!(fw.contains("Unit 3") && fw.contains("firmware 2.2.9, expected 2.3.1"), "{fw}");
    let spread = run_step(&app, "cell-spread", "FAIL").await?;
    assert!(spread.contains("Unit 2"), "{spread}");
    run_step(&app, "temperature", "PASS").await?;
    run_step(&app, "string-alignment", "NOT APPLICABLE").await?;
    run_step(&app, "insulation", "NOT APPLICABLE").await?;
    let alarms = run_step(&app, "alarms", "FAIL").await?;
    assert!(alarms.contains("VOLTAGE_IMBALANCE"), "{alarms}");
    run_step(&app, "setpoints", "PASS").await?;

    // Communication loss: stop the simulator until the data is stale, then restart it.
    app.click_testid("tab-live").await?;
    for state in app.client.find_all(Locator::Css("[data-testid=pack-state]")).await? {
        assert_eq!(state.text().await?, "CONNECTED", "before the link is pulled the packs are connected");
    }
    app.click_testid("tab-checklist").await?;
    app.click_testid("comm-before").await?;
    sim.pause(true);
    let pulled = std::time::Instant::now();
    app.click_testid("tab-live").await?;
    wait_until("stale packs", 15, async || Ok(app.client.find_all(Locator::Css(".pack.stale")).await?.len() == PACKS)).await?;
    app.screenshot("commissioning-stale").await?;
    app.click_testid("tab-checklist").await?;
    app.click_testid("comm-during").await?;
    // Keep the link pulled longer than the packs' watchdog, as the step's
    // instruction asks: the data goes stale after 2 s, but a pack polled just
    // before the pull only opens its contactors after COMM_TIMEOUT_S of
    // silence. Reconnecting earlier left that pack CONNECTED (correctly
    // reported as "not a safe state") whenever the stale view came quickly.
    let hold = Duration::from_secs(COMM_TIMEOUT_S) + Duration::from_millis(750);
    if let Some(rest) = hold.checked_sub(pulled.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    sim.pause(false);
    app.click_testid("tab-live").await?;
    wait_until("fresh data after the restart", 15, async || {
        Ok(app.client.find_all(Locator::Css("[data-testid=pack-card]:not(.stale)")).await?.len() == PACKS)
    })
    .await?;
    let states = app.client.find_all(Locator::Css("[data-testid=pack-state]")).await?;
    assert_eq!(states[0].text().await?, "DISCONNECTED", "the pack went to its safe state on the link loss");
    app.click_testid("tab-checklist").await?;
    app.click_testid("comm-after").await?;
    if let Err(e) = wait_until("the comm-loss result", 10, async || Ok(outcome(&app, "comm-loss").await? == "PASS")).await {
        app.screenshot("commissioning-comm-loss").await?;
        let card = app.text_testid("step-comm-loss").await.unwrap_or_default();
        return Err(e.context(format!("the comm-loss step reads: {card}")));
    }

    app.type_testid("signoff-name", "A. Client").await?;
    app.type_testid("signoff-date", "2026-11-28").await?;
    app.click_testid("signoff").await?;
    let signed = app.text_testid("signed-off").await?;
    assert!(signed.contains("A. Client"), "{signed}");
    assert!(
        app.text_testid("session-summary").await?.contains("4 passed, 3 failed, 2 n/a"),
        "{}",
        app.text_testid("session-summary").await?
    );
    app.screenshot("commissioning-signed").await?;

    // The report preview in the app.
    app.click_testid("nav-reports").await?;
    app.click_testid("preview-commissioning").await?;
    wait_until("report pages", 30, async || Ok(app.client.find_all(Locator::Css("[data-testid=report-page]")).await?.len() >= 2)).await?;
    app.screenshot("report-preview").await?;
    app.finish().await?;
    drop(sim);

    // Everything is in the project file.
    let out = Command::new(workspace_binary("backstop")?).args(["project", "info", "--json"]).arg(&project).output()?;
    let info: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(info["commissioning"][0], 1, "one session: {info}");
    assert!(info["commissioning"][1].as_u64().unwrap_or(0) >= 9, "every step result recorded: {info}");
    assert_eq!(info["commissioning"][2], 1, "the sign-off: {info}");
    assert_eq!(info["audit_entries"], 3, "the refused write and both verified writes audited: {info}");
    assert!(info["telemetry"][2].as_u64().unwrap_or(0) > 1000, "telemetry logged: {info}");

    // The signed commissioning report, from the file alone.
    let pdf = dir.path().join("commissioning.pdf");
    let status =
        Command::new(workspace_binary("backstop")?).args(["report", "commissioning"]).arg(&project).arg("-o").arg(&pdf).status()?;
    anyhow::ensure!(status.success(), "backstop report commissioning failed");
    let text = String::from_utf8(Command::new("pdftotext").arg(&pdf).arg("-").output()?.stdout)?;
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "Commissioning report",
        "4 of 9 steps passed",
        "firmware 2.2.9, expected 2.3.1",
        "Unit 2, string 1",
        "wrong firmware",
        "DISCONNECTED (safe)",
        "A. Client",
        "SoCRsvMin",
    ] {
        anyhow::ensure!(text.contains(needle), "the commissioning report lacks {needle:?}:\n{text}");
    }
    Ok(())
}
