//! The Sizing area in the real app on the demo project: the demo's UPS
//! case recomputed as an input changes (results and charts follow, more
//! load needs at least as many strings and cabinets), an out-of-range input
//! flagged under its field without losing the case, the methods side by
//! side, the calculation sheet, save, and the saved case read back after
//! the app is restarted on the same file; the optimizer; the catalog
//! filtered and an entry opened. A peak-shaving case imports a
//! load profile with a malformed line (refused with the line number,
//! nothing changed) and then a good one.
//!
//! It also measures the issue's target "a UPS case recomputed in the UI in
//! < 100 ms from keystroke to chart": the UI records, per edit, the time
//! from the input event to the first animation frame in which the charts
//! of that edit's result are in the DOM (`window.__backstopSizingTimings`).
//! The median and p95 over 20 edits are printed and written to
//! `target/e2e/sizing-latency.json` (reported in BENCHMARKS.md; never
//! asserted against a wall-clock threshold).

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use backstop_e2e::{Harness, Launch, SERIAL, artefact_dir, demo_project, wait_until};
use fantoccini::Locator;

/// The sequence number of the edit whose result is shown.
async fn shown_seq(app: &Harness) -> Result<u64> {
    let el = app.client.find(Locator::Css("[data-testid=ups-results]")).await?;
    Ok(el.attr("data-seq").await?.context("results without data-seq")?.parse()?)
}

/// Strings and cabinets of the governing configuration, read from the
/// verdict ("… — 7 strings (6 needed), 7 cabinets, …").
fn strings_and_cabinets(verdict: &str) -> Result<(u32, u32)> {
    let before = |marker: &str| -> Result<u32> {
        let head = &verdict[..verdict.find(marker).with_context(|| format!("no {marker:?} in {verdict:?}"))?];
        let word = head.rsplit(' ').next().unwrap_or_default().trim_start_matches('(');
        word.parse().with_context(|| format!("{word:?} before {marker:?} in {verdict:?}"))
    };
    Ok((before(" needed)")?, before(" cabinets")?))
}

fn kw(text: &str) -> Result<f64> {
    let digits: String = text.trim_end_matches(" kW").chars().filter(|c| c.is_ascii_digit() || *c == '.').collect();
    digits.parse().with_context(|| format!("not a kW figure: {text:?}"))
}

/// The first chart's SVG markup.
async fn first_chart(app: &Harness) -> Result<String> {
    let fig = app.client.find(Locator::Css("[data-testid=charts] figure.chart")).await?;
    Ok(fig.html(true).await?)
}

/// Types `value` into `field` and waits for the result of the last
/// keystroke (a keystroke is computed at once, so the first characters of
/// "150" may show a result of their own first).
async fn edit_and_wait(app: &Harness, field: &str, value: &str) -> Result<u64> {
    let before = shown_seq(app).await?;
    app.type_testid(field, value).await?;
    let mut now = before;
    wait_until(&format!("a recompute after {field} = {value}"), 15, async || {
        let el = app.client.find(Locator::Css("[data-testid=ups-results]")).await?;
        let edit: u64 = el.attr("data-edit-seq").await?.context("results without data-edit-seq")?.parse()?;
        now = shown_seq(app).await?;
        Ok(now > before && now == edit)
    })
    .await?;
    Ok(now)
}

/// Scrolls the element `testid` to the top of the window (for screenshots).
async fn scroll_to(app: &Harness, testid: &str) -> Result<()> {
    app.wait_testid(testid).await?;
    app.client.execute(&format!("document.querySelector('[data-testid={testid}]').scrollIntoView({{block: 'start'}})"), vec![]).await?;
    tokio::time::sleep(Duration::from_millis(150)).await;
    Ok(())
}

async fn open_sizing(app: &Harness) -> Result<()> {
    app.wait_testid("project-open-card").await?;
    app.click_testid("nav-sizing").await?;
    app.wait_testid("area-sizing").await?;
    app.wait_testid("ups-editor").await?;
    app.wait_testid("ups-verdict").await?;
    app.wait_testid("charts").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_ups_case_recomputes_validates_saves_and_reloads() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let (dir, project) = demo_project("demo site.backstop")?;
    let launch = || Launch { args: vec!["--project".into(), project.display().to_string()] };

    let app = Harness::start(launch()).await?;
    open_sizing(&app).await?;

    // The demo case, as stored: 60 kW × 10 racks, computed on opening.
    assert_eq!(app.value_testid("case-name").await?, "Hall B ride-through");
    assert_eq!(app.value_testid("in-kw-per-rack").await?, "60");
    assert_eq!(app.value_testid("in-racks").await?, "10");
    app.wait_testid("case-saved").await?;
    assert_eq!(kw(&app.text_testid("load-it").await?)?, 600.0);
    let verdict0 = app.text_testid("ups-verdict").await?;
    let (strings0, cabinets0) = strings_and_cabinets(&verdict0)?;
    let battery0 = kw(&app.text_testid("load-battery").await?)?;
    let chart0 = first_chart(&app).await?;
    assert!(chart0.contains("<svg"), "the chart is an SVG: {}", &chart0[..chart0.len().min(200)]);
    app.screenshot("sizing-demo-case").await?;

    // More load: results and charts recompute; at least as many strings and cabinets.
    edit_and_wait(&app, "in-kw-per-rack", "90").await?;
    wait_until("the 900 kW load", 10, async || Ok(kw(&app.text_testid("load-it").await?)? == 900.0)).await?;
    let verdict1 = app.text_testid("ups-verdict").await?;
    let (strings1, cabinets1) = strings_and_cabinets(&verdict1)?;
    let battery1 = kw(&app.text_testid("load-battery").await?)?;
    assert!((battery1 / battery0 - 1.5).abs() < 1e-3, "battery power scales with the load: {battery0} → {battery1}");
    assert!(strings1 >= strings0 && cabinets1 >= cabinets0, "more load, no fewer strings/cabinets: {verdict0} → {verdict1}");
    assert!(strings1 > strings0, "50 % more load needs more strings: {verdict0} → {verdict1}");
    assert_ne!(first_chart(&app).await?, chart0, "the chart was redrawn for the new load");
    app.wait_testid("case-dirty").await?;

    // Methods side by side: every method the demo cabinet has data for.
    let compare = app.wait_testid("method-compare").await?;
    let heads = compare.find_all(Locator::Css("thead th")).await?;
    assert!(heads.len() >= 3, "at least two methods side by side ({} header cells)", heads.len());
    let compare_text = compare.text().await?;
    assert!(compare_text.contains("governs"), "the governing method is marked: {compare_text}");
    assert!(compare_text.contains("Strings needed / installed"), "{compare_text}");

    // The calculation sheet behind the numbers.
    let sheet = app.text_testid("calc-sheet").await?;
    assert!(sheet.contains("900") || sheet.contains("990"), "the sheet shows the new load: {}", &sheet[..sheet.len().min(400)]);
    app.screenshot("sizing-more-load").await?;
    scroll_to(&app, "method-compare").await?;
    app.screenshot("sizing-compare").await?;
    scroll_to(&app, "charts").await?;
    app.screenshot("sizing-charts").await?;
    scroll_to(&app, "calc-sheet").await?;
    app.screenshot("sizing-sheet").await?;
    scroll_to(&app, "ups-editor").await?;

    // Out of range: flagged under its field, nothing else lost.
    edit_and_wait(&app, "in-eff", "150").await?;
    let problem = app.text_testid("in-eff-problem").await?;
    assert!(
        problem.contains("150 %") && problem.contains("100 %"),
        "the efficiency field carries the engine's message in its units: {problem}"
    );
    eprintln!("out-of-range efficiency: {problem}");
    assert_eq!(app.value_testid("in-kw-per-rack").await?, "90", "the other inputs are kept");
    assert_eq!(app.value_testid("in-eff").await?, "150", "the bad value stays for correction");
    app.wait_testid("case-dirty").await?;
    app.screenshot("sizing-out-of-range").await?;
    // Not a number: held back in the form, never sent.
    app.type_testid("in-runtime", "5x").await?;
    let not_ready = app.text_testid("case-not-ready").await?;
    assert!(not_ready.contains("not a number"), "{not_ready}");
    edit_and_wait(&app, "in-runtime", "5").await?;
    edit_and_wait(&app, "in-eff", "96").await?;
    wait_until("the efficiency message to clear", 10, async || {
        Ok(app.client.find_all(Locator::Css("[data-testid=in-eff-problem]")).await?.is_empty())
    })
    .await?;
    let verdict2 = app.text_testid("ups-verdict").await?;
    assert_eq!(verdict2, verdict1, "back in range, the same result as before");

    // Keystroke → chart latency over 20 edits of the runtime.
    let mut measured = Vec::new();
    let runtimes = ["6", "7", "8", "9", "5"];
    for i in 0..20 {
        let seq = edit_and_wait(&app, "in-runtime", runtimes[i % runtimes.len()]).await?;
        // The measurement of the edit's last keystroke, once its frame passed.
        let js = format!("return JSON.stringify((window.__backstopSizingTimings || []).find(t => t.seq === {seq}) || null)");
        let mut found = serde_json::Value::Null;
        wait_until(&format!("the timing of edit {seq}"), 5, async || {
            let v = app.client.execute(&js, vec![]).await?;
            found = serde_json::from_str(v.as_str().context("a JSON string")?)?;
            Ok(!found.is_null())
        })
        .await?;
        measured.push(found);
    }
    assert_eq!(measured.len(), 20, "one measurement per edit");
    // Median, p95 and max of one field of the measurements.
    let stats = |field: &str| -> Result<(f64, f64, f64)> {
        let mut v: Vec<f64> =
            measured.iter().map(|t| t[field].as_f64().with_context(|| format!("no {field} in {t}"))).collect::<Result<_>>()?;
        anyhow::ensure!(v.iter().all(|x| x.is_finite() && *x >= 0.0), "{field}: {v:?}");
        v.sort_by(f64::total_cmp);
        let pick = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
        Ok((pick(0.5), pick(0.95), v[v.len() - 1]))
    };
    let (median, p95, max) = stats("latency")?;
    assert!(median > 0.0, "a latency was measured");
    let mut breakdown = serde_json::Map::new();
    for part in ["painted", "debounce", "ipc", "backend", "render", "frame"] {
        let (m, p, _) = stats(part)?;
        breakdown.insert(part.into(), serde_json::json!({"median_ms": m, "p95_ms": p}));
    }
    eprintln!(
        "UPS case keystroke → charts in the DOM over {} edits: median {median:.1} ms, p95 {p95:.1} ms, max {max:.1} ms; parts (median, p95): {}",
        measured.len(),
        serde_json::Value::Object(breakdown.clone())
    );
    std::fs::write(
        artefact_dir().join("sizing-latency.json"),
        serde_json::to_string_pretty(&serde_json::json!({
            "app": std::env::var("BACKSTOP_APP_BIN").unwrap_or_else(|_| "target/debug/backstop-app".into()),
            "edits": measured.len(), "median_ms": median, "p95_ms": p95, "max_ms": max,
            "parts": breakdown, "measurements": measured,
        }))?,
    )?;
    // For comparison: the same computation invoked from JavaScript, no
    // rendering (the IPC and backend floor).
    let probe = app
        .client
        .execute(
            r#"
        const s = await window.__TAURI__.core.invoke('sizing_case_get', {key: 'ups-1'});
        const out = [];
        for (let i = 0; i < 5; i++) {
            const t0 = performance.now();
            const raw = await window.__TAURI__.core.invoke('sizing_ups_compute', {case: s.case.case});
            const t1 = performance.now();
            const r = raw instanceof ArrayBuffer ? JSON.parse(new TextDecoder().decode(raw)) : raw;
            out.push({reply_bytes: raw.byteLength || JSON.stringify(r).length, round_trip_ms: t1 - t0, backend_ms: r.compute_ms});
        }
        return JSON.stringify(out);"#,
            vec![],
        )
        .await?;
    eprintln!("sizing_ups_compute invoked from JS, 5 times: {}", probe.as_str().unwrap_or_default());
    assert_eq!(app.value_testid("in-runtime").await?, "5");

    // Save: one undoable edit.
    app.click_testid("case-save").await?;
    app.wait_testid("case-saved").await?;
    app.screenshot("sizing-saved").await?;
    // Undo while the editor is open: it follows the stored case.
    app.ctrl('z').await?;
    wait_until("undo to restore the demo's load", 10, async || Ok(app.value_testid("in-kw-per-rack").await? == "60")).await?;
    // Redo from the Project area; the save is the last edit again.
    app.click_testid("nav-project").await?;
    app.wait_text("redo", "Redo Save sizing case Hall B ride-through").await?;
    app.click_testid("redo").await?;
    app.wait_text("undo", "Undo Save sizing case Hall B ride-through").await?;
    app.finish().await?;

    // Restart on the same file: the saved case and its inputs are there.
    let app = Harness::start(launch()).await?;
    open_sizing(&app).await?;
    assert_eq!(app.value_testid("in-kw-per-rack").await?, "90", "the saved load survived the restart");
    assert_eq!(app.value_testid("in-eff").await?, "96");
    app.wait_testid("case-saved").await?;
    wait_until("the saved result", 10, async || Ok(app.text_testid("ups-verdict").await? == verdict1)).await?;
    let items = app.client.find_all(Locator::Css("[data-testid=case-item]")).await?;
    let listed = items[0].text().await?;
    assert!(listed.contains("Hall B ride-through") && listed.contains("sized"), "{listed}");

    // The optimizer: candidate configurations ranked, each usable in the form.
    scroll_to(&app, "optimizer").await?;
    app.click_testid("opt-run").await?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let summary = loop {
        if let Ok(el) = app.client.find(Locator::Css("[data-testid=opt-summary]")).await {
            break el.text().await?;
        }
        anyhow::ensure!(Instant::now() < deadline, "the optimizer gave no answer within 120 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(summary.contains("candidate configurations evaluated"), "{summary}");
    let best = app.client.find_all(Locator::Css("[data-testid=opt-best] tbody tr")).await?;
    assert!(!best.is_empty(), "at least one configuration meets every constraint: {summary}");
    scroll_to(&app, "optimizer").await?;
    app.screenshot("sizing-optimizer").await?;

    // The catalog: filtered, an entry opened with the source of every value.
    app.click_testid("tab-sizing-catalog").await?;
    app.type_testid("catalog-filter", "lfp-ups-cabinet").await?;
    wait_until("the filtered catalog", 10, async || {
        let items = app.client.find_all(Locator::Css("[data-testid=catalog-item]")).await?;
        let mut all_match = !items.is_empty();
        for i in &items {
            all_match &= i.text().await?.contains("lfp-ups-cabinet");
        }
        Ok(all_match)
    })
    .await?;
    app.screenshot("sizing-catalog-list").await?;
    app.client.find(Locator::Css("[data-testid=catalog-item] td")).await?.click().await?;
    let values = app.text_testid("catalog-values").await?;
    assert!(!values.is_empty(), "the entry's values are listed");
    let rows = app.client.find_all(Locator::Css("[data-testid=catalog-row]")).await?;
    assert!(rows.len() >= 3, "the entry lists its values with sources ({} rows)", rows.len());
    app.screenshot("sizing-catalog").await?;
    app.click_testid("tab-sizing-cases").await?;
    app.wait_testid("ups-editor").await?;

    // A peak-shaving case: a profile with a malformed line is refused with its line number.
    let bad = dir.path().join("site load (bad).csv");
    std::fs::write(&bad, "timestamp,load_kW\n2025-01-01 00:00,9145\n2025-01-01 00:15,9150\n2025-01-01 00:30,abc\n2025-01-01 00:45,9149\n")?;
    let good = dir.path().join("site load.csv");
    std::fs::copy(backstop_e2e::repo_root().join("examples/sizing/profile-15min-january.csv"), &good)?;
    app.wait_testid("new-case-kind").await?.select_by_value("peak").await?;
    app.type_testid("new-case-name", "Campus peak shaving").await?;
    app.click_testid("new-case-add").await?;
    app.wait_testid("peak-editor").await?;
    assert_eq!(app.value_testid("case-name").await?, "Campus peak shaving");
    // The profile is picked in the native dialog (answered from a file here).
    app.answer_dialogs(&[bad.as_path()])?;
    app.click_testid("profile-import").await?;
    let errors = app.text_testid("profile-errors").await?;
    assert!(errors.contains("line 4"), "the malformed line is named: {errors}");
    assert!(errors.contains("nothing was changed"), "{errors}");
    app.screenshot("sizing-profile-error").await?;
    app.answer_dialogs(&[good.as_path()])?;
    app.click_testid("profile-import").await?;
    let peak = app.text_testid("profile-peak").await?;
    assert!(peak.contains("kW"), "{peak}");
    wait_until("the profile errors to clear", 10, async || {
        Ok(app.client.find_all(Locator::Css("[data-testid=profile-errors]")).await?.is_empty())
    })
    .await?;
    app.wait_testid("peak-verdict").await?;
    app.screenshot("sizing-peak-case").await?;
    // Capacity fade year by year and the state of charge over the year.
    app.wait_testid("chart-soh-by-year").await?;
    let charts = app.client.find_all(Locator::Css("[data-testid=charts] figure.chart")).await?;
    let mut ids = Vec::new();
    for c in &charts {
        ids.push(c.attr("data-testid").await?.unwrap_or_default());
    }
    assert!(ids.iter().any(|i| i.contains("soc")), "a state-of-charge chart: {ids:?}");
    scroll_to(&app, "charts").await?;
    app.screenshot("sizing-peak-charts").await?;
    // Saved with its profile: one undoable edit, and the editor shows it saved.
    app.click_testid("case-save").await?;
    app.wait_testid("case-saved").await?;
    app.click_testid("nav-project").await?;
    app.wait_text("undo", "Undo Save sizing case Campus peak shaving").await?;
    app.finish().await
}

/// The sequence numbers (shown, latest edit) of the results panel `testid`.
async fn seqs(app: &Harness, testid: &str) -> Result<(u64, u64)> {
    let el = app.client.find(Locator::Css(&format!("[data-testid={testid}]"))).await?;
    let shown = el.attr("data-seq").await?.context("results without data-seq")?.parse()?;
    let edit = el.attr("data-edit-seq").await?.context("results without data-edit-seq")?.parse()?;
    Ok((shown, edit))
}

/// Waits in the page for the smoothing editor to show an edit after
/// `before` that is the latest (no edit after it), with both its timings
/// recorded (first part and whole; `window.__backstopSizingTimings`):
/// `{"first": …, "whole": …}`. One WebDriver command per 20 s of waiting.
async fn wait_in_page(app: &Harness, what: &str, secs: u64, before: u64) -> Result<serde_json::Value> {
    const SCRIPT: &str = "const [before, done] = [arguments[0], arguments[arguments.length - 1]]; \
        const until = performance.now() + 20000; \
        function check() { \
          const el = document.querySelector('[data-testid=smooth-results]'); \
          const shown = el ? Number(el.dataset.seq) : 0, edit = el ? Number(el.dataset.editSeq) : -1; \
          if (shown > before && shown === edit) { \
            const t = window.__backstopSizingTimings || []; \
            const first = t.find(x => x.seq === shown && x.complete === 0); \
            const whole = t.find(x => x.seq === shown && x.complete === 1); \
            if (first && whole) { done(JSON.stringify({ first, whole })); return; } \
          } \
          if (performance.now() > until) { done(null); return; } \
          setTimeout(check, 20); \
        } \
        check();";
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        let v = app.client.execute_async(SCRIPT, vec![serde_json::json!(before)]).await?;
        if let Some(text) = v.as_str() {
            return Ok(serde_json::from_str(text)?);
        }
    }
    anyhow::bail!("timed out after {secs} s waiting for {what}")
}

/// A power-smoothing case made in the app: the training-job defaults are
/// computed (every requirement checked with its margin, a battery sized,
/// charts of load vs grid, SOC, band amplitudes and the ramp trade-off),
/// an out-of-range input is flagged under its field, a preset switched off
/// drops its check, and the case is saved with its result and listed with
/// its summary. The keystroke-to-charts time of 20 edits of the job's
/// power is measured as for the UPS case (`target/e2e/sizing-smooth-latency.json`,
/// never asserted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_power_smoothing_case_is_sized_checked_and_saved() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let (dir, project) = demo_project("smoothing.backstop")?;
    let app = Harness::start(Launch { args: vec!["--project".into(), project.display().to_string()] }).await?;
    open_sizing(&app).await?;
    app.wait_testid("new-case-kind").await?.select_by_value("smooth").await?;
    app.type_testid("new-case-name", "Hall B training cluster").await?;
    app.click_testid("new-case-add").await?;
    app.wait_testid("smooth-editor").await?;
    assert_eq!(app.value_testid("case-name").await?, "Hall B training cluster");
    let verdict = app.text_testid("smooth-verdict").await?;
    // The defaults' requirements: IESO (ramp and 15 s variation) and ERCOT (5 s band).
    let mut ids = Vec::new();
    for row in app.client.find_all(Locator::Css("[data-testid=smooth-check]")).await? {
        ids.push((row.attr("data-id").await?.unwrap_or_default(), row.attr("data-status").await?.unwrap_or_default()));
    }
    assert!(ids.iter().any(|(id, _)| id.starts_with("ieso")) && ids.iter().any(|(id, _)| id.starts_with("ercot")), "{ids:?}");
    assert!(ids.iter().all(|(_, st)| st == "met" || st == "NOT MET"), "every requirement evaluated: {ids:?}");
    assert!(verdict.contains("requirement"), "{verdict}");
    let usable = app.text_testid("smooth-usable").await?;
    assert!(usable.ends_with(" MWh") && !usable.starts_with("0 "), "a battery is sized: {usable}");
    app.wait_testid("charts").await?;
    let charts = app.client.find_all(Locator::Css("[data-testid=charts] figure.chart")).await?.len();
    assert!(charts >= 4, "load vs grid, SOC, band amplitudes, trade-off: {charts} charts");
    app.screenshot("sizing-smooth-case").await?;

    // Keystroke → charts over 20 edits of the job's power, on the default
    // hour or on the profile length in BACKSTOP_E2E_SMOOTH_SECONDS (86400
    // for the issue's one-day target; see BENCHMARKS.md).
    let seconds = std::env::var("BACKSTOP_E2E_SMOOTH_SECONDS").unwrap_or_else(|_| "3600".into());
    if seconds != "3600" {
        let (before, _) = seqs(&app, "smooth-results").await?;
        app.type_testid("in-sm-duration", &seconds).await?;
        wait_until("the longer profile computed", 120, async || {
            let (shown, edit) = seqs(&app, "smooth-results").await?;
            Ok(shown > before && shown == edit)
        })
        .await?;
    }
    // The first edits warm the webview up: its JavaScript engine compiles
    // the UI's hot code with its optimising tier on the cores the sizing
    // engine needs (on the day in the release app, the keystroke-to-charts
    // time fell from about 200 to 130 ms over the first ten edits;
    // BENCHMARKS.md). WARM_UP edits go first, kept apart in the JSON, then
    // the 20 measured ones.
    const WARM_UP: usize = 10;
    let (mut warm_up, mut measured) = (Vec::new(), Vec::new());
    let values = ["70", "75", "80", "85", "90"];
    for i in 0..WARM_UP + 20 {
        let (before, _) = seqs(&app, "smooth-results").await?;
        app.type_testid("in-sm-job", values[i % values.len()]).await?;
        // The edit's first part (every chart but the trade-off curve's) and
        // its whole (the curve in), as the editor timed them; the next edit
        // waits for the whole, so each edit's curve is timed rather than
        // superseded. Waited for in the page, a cheap check every 20 ms,
        // rather than by polling over WebDriver: each poll ran WebDriver
        // commands in the webview, on the cores the engine and the redraw
        // being measured share.
        let both = wait_in_page(&app, &format!("the timings of the edit after {before}"), 120, before).await?;
        if i < WARM_UP { warm_up.push(both) } else { measured.push(both) }
    }
    let series = |part: &str, field: &str| {
        let mut v: Vec<f64> = measured.iter().filter_map(|t| t[part][field].as_f64()).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let (lat, whole, backend, backend_whole) =
        (series("first", "latency"), series("whole", "latency"), series("first", "backend"), series("whole", "backend"));
    assert!(lat.len() == 20 && whole.len() == 20, "one measurement per edit: {measured:?}");
    let pick = |v: &[f64], q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    eprintln!(
        "smoothing case ({seconds} s at 100 ms) keystroke → charts over 20 edits after {WARM_UP} to warm up: median {:.1} ms, p95 {:.1} ms (backend {:.1} ms); with the trade-off curve: median {:.1} ms, p95 {:.1} ms (backend {:.1} ms)",
        pick(&lat, 0.5),
        pick(&lat, 0.95),
        pick(&backend, 0.5),
        pick(&whole, 0.5),
        pick(&whole, 0.95),
        pick(&backend_whole, 0.5)
    );
    std::fs::write(
        artefact_dir().join("sizing-smooth-latency.json"),
        serde_json::to_string_pretty(&serde_json::json!({
            "app": std::env::var("BACKSTOP_APP_BIN").unwrap_or_else(|_| "target/debug/backstop-app".into()),
            "profile_seconds_at_100_ms": seconds,
            "edits": lat.len(), "median_ms": pick(&lat, 0.5), "p95_ms": pick(&lat, 0.95),
            "backend_median_ms": pick(&backend, 0.5),
            "whole_median_ms": pick(&whole, 0.5), "whole_p95_ms": pick(&whole, 0.95), "whole_backend_median_ms": pick(&backend_whole, 0.5),
            "measurements": measured,
            "warm_up": warm_up,
        }))?,
    )?;

    // The sheet follows the last edit's charts and is then no longer marked as updating.
    wait_until("the last edit's sheet", 10, async || {
        Ok(app.client.find_all(Locator::Css("[data-testid=smooth-sheet][data-updating=false]")).await?.len() == 1
            && app.client.find_all(Locator::Css("[data-testid=sheet-updating]")).await?.is_empty())
    })
    .await?;

    // The battery and PCS come from the catalog; the chart window is the engineer's.
    assert!(!app.value_testid("in-sm-battery").await?.is_empty(), "a battery from the catalog");
    let (before, _) = seqs(&app, "smooth-results").await?;
    app.type_testid("in-sm-window-len", "120").await?;
    wait_until("the charts over the new window", 30, async || {
        let (shown, edit) = seqs(&app, "smooth-results").await?;
        Ok(shown > before && shown == edit)
    })
    .await?;
    // The trade-off curve follows the first part: a placeholder until then.
    wait_until("the trade-off curve drawn", 60, async || {
        Ok(app.client.find_all(Locator::Css("[data-testid=charts][data-complete=true] [data-testid=chart-tradeoff-energy]")).await?.len()
            == 1
            && app.client.find_all(Locator::Css("[data-testid=chart-pending]")).await?.is_empty())
    })
    .await?;
    scroll_to(&app, "charts").await?;
    app.screenshot("sizing-smooth-charts").await?;

    // An out-of-range efficiency is flagged under its field; back in range it clears.
    app.type_testid("in-sm-rte", "150").await?;
    app.wait_testid("in-sm-rte-problem").await?;
    app.type_testid("in-sm-rte", "90").await?;
    wait_until("the efficiency message to clear", 15, async || {
        Ok(app.client.find_all(Locator::Css("[data-testid=in-sm-rte-problem]")).await?.is_empty())
    })
    .await?;

    // ERCOT's preset off: its check goes.
    app.click_testid("preset-ercot").await?;
    wait_until("the ERCOT check to go", 30, async || {
        let mut any = false;
        for row in app.client.find_all(Locator::Css("[data-testid=smooth-check]")).await? {
            any |= row.attr("data-id").await?.unwrap_or_default().starts_with("ercot");
        }
        Ok(!any)
    })
    .await?;

    // Saved with its result: the list shows the kind and the summary.
    app.click_testid("case-save").await?;
    wait_until("the case list to show the saved result", 20, async || {
        for item in app.client.find_all(Locator::Css("[data-testid=case-item]")).await? {
            let text = item.text().await?;
            if text.contains("Hall B training cluster") && text.contains("Power smoothing") && text.contains("battery ") {
                return Ok(true);
            }
        }
        Ok(false)
    })
    .await?;
    app.screenshot("sizing-smooth-saved").await?;

    // A measured trace: a malformed line is refused with its number; a good
    // trace is sized instead of the synthetic profile, saved with the case,
    // and dropped again for the synthetic profile.
    let bad = dir.path().join("hall b trace (bad).csv");
    std::fs::write(&bad, "elapsed_s,power_MW\n0,40\n0.1,abc\n0.2,41\n")?;
    let good = dir.path().join("hall b trace.csv");
    let mut csv = String::from("elapsed_s,power_MW\n");
    for i in 0..6000 {
        csv.push_str(&format!("{:.1},{}\n", f64::from(i) * 0.1, if (i / 10) % 2 == 0 { 60.25 } else { 20.0 }));
    }
    std::fs::write(&good, csv)?;
    app.answer_dialogs(&[bad.as_path()])?;
    app.click_testid("trace-import").await?;
    let errors = app.text_testid("trace-errors").await?;
    assert!(errors.contains("line 3") && errors.contains("nothing was changed"), "the malformed line is named: {errors}");
    let (before, _) = seqs(&app, "smooth-results").await?;
    app.answer_dialogs(&[good.as_path()])?;
    app.click_testid("trace-import").await?;
    let samples = app.text_testid("trace-samples").await?;
    assert!(samples.starts_with("6000 at 0.1"), "{samples}");
    wait_until("the trace sized", 60, async || {
        let (shown, edit) = seqs(&app, "smooth-results").await?;
        Ok(shown > before && shown == edit)
    })
    .await?;
    // The sheet follows the charts by a frame, marked as updating until then.
    wait_until("the sheet of the sized trace", 10, async || {
        Ok(app.client.find_all(Locator::Css("[data-testid=smooth-sheet][data-updating=false]")).await?.len() == 1)
    })
    .await?;
    let sheet = app.text_testid("calc-sheet").await?;
    assert!(sheet.contains("hall b trace.csv"), "the sheet sizes the trace");
    app.screenshot("sizing-smooth-trace").await?;
    // Another case and back before saving: the unsaved trace comes back with the draft.
    let click_case = async |name: &str| -> Result<()> {
        for item in app.client.find_all(Locator::Css("[data-testid=case-item]")).await? {
            if item.text().await?.contains(name) {
                item.click().await?;
                return Ok(());
            }
        }
        anyhow::bail!("no case item {name}")
    };
    click_case("Hall B ride-through").await?;
    app.wait_testid("ups-editor").await?;
    click_case("Hall B training cluster").await?;
    let samples = app.text_testid("trace-samples").await?;
    assert!(samples.starts_with("6000 at 0.1"), "the draft keeps its trace: {samples}");
    app.click_testid("case-save").await?;
    wait_until("the trace saved with the case", 20, async || {
        // The design as the CLI reads it from the file (view-only).
        let out =
            std::process::Command::new(backstop_e2e::workspace_binary("backstop")?).args(["project", "export"]).arg(&project).output()?;
        Ok(String::from_utf8_lossy(&out.stdout).contains("\"power-trace\""))
    })
    .await?;
    // The list shows the result sized over the trace (every requirement
    // met; the synthetic profile's result before it missed one).
    wait_until("the list to show the trace's result", 20, async || {
        for item in app.client.find_all(Locator::Css("[data-testid=case-item]")).await? {
            let text = item.text().await?;
            if text.contains("Hall B training cluster") && text.contains("requirement(s) met") && !text.contains("not met") {
                return Ok(true);
            }
        }
        Ok(false)
    })
    .await?;
    // The editor keeps the saved trace (it was rebuilt from the case as
    // first loaded, without it, when the list refreshed).
    let samples = app.text_testid("trace-samples").await?;
    assert!(samples.starts_with("6000 at 0.1"), "{samples}");
    app.screenshot("sizing-smooth-trace-saved").await?;
    app.click_testid("trace-drop").await?;
    wait_until("the synthetic profile sized again", 60, async || {
        let sheet = app.text_testid("calc-sheet").await?;
        Ok(!sheet.contains("hall b trace.csv"))
    })
    .await?;
    app.finish().await
}
