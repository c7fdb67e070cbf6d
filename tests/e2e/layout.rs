//! The Layout area in the real app: a project rule set copied and edited
//! (a field error shown, then fixed), a battery cabinet dragged with real
//! WebDriver pointer actions closer than 914 mm to its neighbour (the two
//! join one array over the rule set's limit: the violation appears on the
//! plan and in the panel), dragged back (it clears), and undo by Ctrl+Z and
//! by the toolbar button restoring the earlier positions. A second test
//! drags one of 1,000 racks and records the per-move handler time, the
//! frame interval and the input-to-frame latency measured in the webview
//! (reported, never asserted: see BENCHMARKS.md).

use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};
use backstop_e2e::{Harness, Launch, SERIAL, artefact_dir, demo_project, wait_until, workspace_binary};
use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::elements::Element;

async fn item(app: &Harness, tag: &str) -> Result<Element> {
    app.wait_testid(&format!("item-{tag}")).await
}

async fn attr(app: &Harness, tag: &str, name: &str) -> Result<String> {
    item(app, tag).await?.attr(name).await?.with_context(|| format!("item {tag} has no {name}"))
}

async fn x_mm(app: &Harness, tag: &str) -> Result<i64> {
    Ok(attr(app, tag, "data-x-mm").await?.parse()?)
}

/// West edge and width of an item's drawn footprint, mm.
async fn body(app: &Harness, tag: &str) -> Result<(i64, i64)> {
    let rect = item(app, tag).await?.find(Locator::Css("rect.body")).await?;
    let x: f64 = rect.attr("x").await?.context("x")?.parse()?;
    let w: f64 = rect.attr("width").await?.context("width")?.parse()?;
    Ok((x as i64, w as i64))
}

/// CSS pixels per plan millimetre (the SVG keeps its aspect ratio).
async fn px_per_mm(app: &Harness) -> Result<f64> {
    let v = app
        .client
        .execute(
            "const s = document.querySelector('[data-testid=plan]'); const r = s.getBoundingClientRect(); \
             const vb = s.viewBox.baseVal; return Math.min(r.width / vb.width, r.height / vb.height);",
            vec![],
        )
        .await?;
    v.as_f64().context("scale")
}

/// Scrolls an item into view and returns the centre of its body in
/// viewport pixels (WebKit's driver takes whole pixels).
async fn item_centre(app: &Harness, tag: &str) -> Result<(f64, f64)> {
    app.show_testid(&format!("item-{tag}")).await?;
    let c = app
        .client
        .execute(
            "const r = document.querySelector(`[data-testid=\"item-${arguments[0]}\"] rect.body`).getBoundingClientRect(); \
             return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];",
            vec![serde_json::json!(tag)],
        )
        .await?;
    Ok((c[0].as_f64().context("x")?, c[1].as_f64().context("y")?))
}

/// Presses the left button on `el`, moves by (dx, dy) px in `steps` equal
/// pointer moves, releases.
async fn drag(app: &Harness, tag: &str, dx: f64, dy: f64, steps: u32) -> Result<()> {
    drag_paced(app, tag, dx, dy, steps, None).await
}

/// Like [`drag`], pausing `pace` between moves (a mouse reports every 8 ms
/// at 125 Hz; without pauses the driver sends moves as fast as it can).
async fn drag_paced(app: &Harness, tag: &str, dx: f64, dy: f64, steps: u32, pace: Option<Duration>) -> Result<()> {
    let (cx, cy) = item_centre(app, tag).await?;
    let mut mouse = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo { duration: None, x: cx, y: cy })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT });
    let (mut px, mut py) = (0.0_f64, 0.0_f64);
    for i in 1..=steps {
        let (tx, ty) = ((dx * f64::from(i) / f64::from(steps)).round(), (dy * f64::from(i) / f64::from(steps)).round());
        mouse = mouse.then(PointerAction::MoveTo { duration: None, x: cx + tx, y: cy + ty });
        if let Some(p) = pace {
            mouse = mouse.then(PointerAction::Pause { duration: p });
        }
        (px, py) = (tx, ty);
    }
    let _ = (px, py);
    mouse = mouse.then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    app.client.perform_actions(mouse).await.with_context(|| format!("pointer actions dragging {tag}"))?;
    app.client.release_actions().await?;
    Ok(())
}

/// Intervals between 60 animation frames with nothing happening, ms
/// (the display's pace in this webview, for comparison with a drag).
async fn idle_frames(app: &Harness) -> Result<serde_json::Value> {
    let t = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; const t = []; \
             function f(ts) { t.push(ts); if (t.length < 61) requestAnimationFrame(f); else done(t); } \
             requestAnimationFrame(f);",
            vec![],
        )
        .await?;
    let ts: Vec<f64> = t.as_array().context("frames")?.iter().filter_map(serde_json::Value::as_f64).collect();
    let mut d: Vec<f64> = ts.windows(2).map(|w| w[1] - w[0]).collect();
    d.sort_by(f64::total_cmp);
    let at = |p: f64| d.get(((d.len().saturating_sub(1)) as f64 * p).round() as usize).copied().unwrap_or(0.0);
    Ok(serde_json::json!({ "n": d.len(), "median": at(0.5), "p95": at(0.95), "max": d.last().copied().unwrap_or(0.0) }))
}

async fn violations(app: &Harness) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for el in app.client.find_all(Locator::Css("[data-testid=violation]")).await? {
        out.push((el.attr("data-rule").await?.unwrap_or_default(), el.attr("data-objects").await?.unwrap_or_default()));
    }
    Ok(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dragging_a_cabinet_too_close_shows_the_violation_and_undo_restores_it() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let (_dir, project) = demo_project("demo site.backstop")?;
    let app = Harness::start(Launch { args: vec!["--project".into(), project.display().to_string()] }).await?;
    app.wait_testid("project-open-card").await?;
    app.click_testid("nav-layout").await?;
    app.wait_testid("area-layout").await?;
    item(&app, "BC-02").await?;
    app.wait_text("violations-count", "No violations").await?;
    for tag in ["HALL-B", "ESS-B"] {
        app.wait_testid(&format!("room-{tag}")).await?;
    }
    app.screenshot("layout-demo").await?;

    // The demo's cabinets are listed systems (250 kWh per array): make a
    // project rule set allowing 60 kWh, so two 51.2 kWh cabinets closer
    // than 914 mm form one array over the limit.
    app.click_testid("tab-rules").await?;
    app.click_testid("rule-set-copy").await?;
    wait_until("the project copy in force", 10, async || Ok(app.wait_testid("rule-set-edit").await?.attr("disabled").await?.is_none()))
        .await?;
    app.click_testid("rule-set-edit").await?;
    app.wait_testid("rule-set-editor").await?;
    // A bad value is refused with the field named, and nothing is saved.
    app.show_testid("rs-arrays.max_array_kwh").await?;
    app.type_testid("rs-arrays.max_array_kwh", "0\u{e004}").await?;
    app.click_testid("rule-set-save").await?;
    wait_until("the field error", 10, async || Ok(app.text_testid("rs-err-arrays.max_array_kwh").await?.contains("> 0 kWh"))).await?;
    app.screenshot("layout-rule-set-error").await?;
    app.type_testid("rs-arrays.max_array_kwh", "50\u{e004}").await?;
    app.type_testid("rs-arrays.listed_system_max_kwh", "60\u{e004}").await?;
    app.click_testid("rule-set-save").await?;
    wait_until("the editor to close after saving", 10, async || {
        Ok(app.client.find_all(Locator::Css("[data-testid=rule-set-editor]")).await?.is_empty())
    })
    .await?;
    app.wait_text("violations-count", "No violations").await?;

    // Drag BC-02 west until 400 mm from BC-01.
    let (x1, w1) = body(&app, "BC-01").await?;
    let (x2, _) = body(&app, "BC-02").await?;
    let gap = x2 - (x1 + w1);
    assert!(gap >= 914, "the demo's cabinets start {gap} mm apart");
    let start_x = x_mm(&app, "BC-02").await?;
    let scale = px_per_mm(&app).await?;
    let dx_px = -((gap - 400) as f64) * scale;
    drag(&app, "BC-02", dx_px, 0.0, 12).await?;
    wait_until("BC-02 to move", 10, async || Ok(x_mm(&app, "BC-02").await? != start_x)).await?;
    let close_x = x_mm(&app, "BC-02").await?;
    eprintln!("drag among the demo's objects: {}", app.wait_testid("plan").await?.attr("data-drag-stats").await?.unwrap_or_default());
    let (x2c, _) = body(&app, "BC-02").await?;
    let close_gap = x2c - (x1 + w1);
    assert!((300..914).contains(&close_gap), "BC-02 is now {close_gap} mm from BC-01 (snapped to the 100 mm grid)");
    wait_until("the violation on the plan", 10, async || Ok(attr(&app, "BC-02", "data-violating").await? == "true")).await?;
    assert_eq!(attr(&app, "BC-01", "data-violating").await?, "true");
    assert_eq!(attr(&app, "BC-03", "data-violating").await?, "false");
    let v = violations(&app).await?;
    assert!(
        v.iter().any(|(rule, objs)| rule == "array-energy" && objs.contains("BC-01") && objs.contains("BC-02")),
        "the panel lists the array of BC-01 and BC-02: {v:?}"
    );
    let panel = app.text_testid("violations-panel").await?;
    assert!(panel.contains("measured 102.4 kWh") && panel.contains("≤ 60 kWh"), "measured vs required: {panel}");
    assert!(!app.client.find_all(Locator::Css("[data-testid=violation-mark]")).await?.is_empty(), "the joining gap is marked");
    app.screenshot("layout-violation").await?;

    // Clicking the violation selects its objects.
    app.click_testid("violation").await?;
    wait_until("the violation's objects selected", 5, async || {
        Ok(item(&app, "BC-01").await?.attr("class").await?.unwrap_or_default().contains("selected")
            && item(&app, "BC-02").await?.attr("class").await?.unwrap_or_default().contains("selected"))
    })
    .await?;
    // Escape clears the selection.
    app.client
        .perform_actions(
            KeyActions::new("keys".into()).then(KeyAction::Down { value: '\u{e00c}' }).then(KeyAction::Up { value: '\u{e00c}' }),
        )
        .await?;
    app.client.release_actions().await?;
    wait_until("the selection cleared", 5, async || Ok(app.text_testid("selection-count").await? == "Nothing selected")).await?;

    // Drag it back: the violation clears.
    drag(&app, "BC-02", -dx_px, 0.0, 12).await?;
    wait_until("BC-02 to move back", 10, async || Ok(x_mm(&app, "BC-02").await? != close_x)).await?;
    let back_gap = body(&app, "BC-02").await?.0 - (x1 + w1);
    assert!(back_gap >= 914, "BC-02 is back {back_gap} mm from BC-01");
    app.wait_text("violations-count", "No violations").await?;
    assert_eq!(attr(&app, "BC-02", "data-violating").await?, "false");
    assert!(app.client.find_all(Locator::Css("[data-testid=violation-mark]")).await?.is_empty());

    // Ctrl+Z: back to the close position, violation again.
    app.ctrl('z').await?;
    wait_until("Ctrl+Z to restore the close position", 10, async || Ok(x_mm(&app, "BC-02").await? == close_x)).await?;
    wait_until("the violation after undo", 10, async || Ok(attr(&app, "BC-02", "data-violating").await? == "true")).await?;
    // The toolbar's Undo: back to where the demo put it.
    app.click_testid("layout-undo").await?;
    wait_until("undo to restore the demo position", 10, async || Ok(x_mm(&app, "BC-02").await? == start_x)).await?;
    app.wait_text("violations-count", "No violations").await?;
    app.screenshot("layout-after-undo").await?;
    app.finish().await
}

/// Drags one rack by 120 one-pixel pointer moves 8 ms apart, in the demo
/// (22 objects) and in the demo plus a hall of 1,000 racks, and records what
/// the webview measured: handler time per move, animation-frame interval
/// and input-to-frame latency. Numbers go to target/e2e/layout-drag.json and
/// BENCHMARKS.md; the test asserts only that the drags worked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dragging_among_a_thousand_objects_is_measured() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let (dir, demo) = demo_project("demo.backstop")?;
    let backstop = workspace_binary("backstop")?;
    let json_path = dir.path().join("demo.json");
    let status = Command::new(&backstop).args(["project", "export"]).arg(&demo).arg("-o").arg(&json_path).status()?;
    anyhow::ensure!(status.success(), "export failed");
    let mut design: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path)?)?;
    let (cols, rows) = (40, 25);
    design["layout"]["rooms"].as_array_mut().context("rooms")?.push(serde_json::json!({
        "id": "HALL-X", "name": "Large hall", "height_mm": 4000, "floor_load_kg_m2": 2500.0,
        "fire_area": "FA-X", "environment": "indoor", "doors": [],
        "shape": { "kind": "rectangle", "origin": { "x_mm": 0, "y_mm": 12000 }, "width_mm": 66000, "depth_mm": 47000 },
    }));
    let racks = design["layout"]["racks"].as_array_mut().context("racks")?;
    for r in 0..rows {
        for c in 0..cols {
            racks.push(serde_json::json!({
                "tag": format!("X-{:04}", r * cols + c + 1),
                "placement": { "room_id": "HALL-X", "position": { "x_mm": 1500 + c * 1600, "y_mm": 13500 + r * 1800 }, "rotation": 0 },
                "width_mm": 600, "depth_mm": 1200, "load_kw": 10.0,
            }));
        }
    }
    let big_json = dir.path().join("big.json");
    std::fs::write(&big_json, serde_json::to_vec(&design)?)?;
    let big = dir.path().join("thousand.backstop");
    let status = Command::new(&backstop).args(["project", "import", "-o"]).arg(&big).arg(&big_json).status()?;
    anyhow::ensure!(status.success(), "import failed");

    let mut results = serde_json::Map::new();
    for (name, file, target) in [("demo", &demo, "R-B05"), ("thousand", &big, "X-0500")] {
        let app = Harness::start(Launch { args: vec!["--project".into(), file.display().to_string()] }).await?;
        app.wait_testid("project-open-card").await?;
        app.click_testid("nav-layout").await?;
        item(&app, target).await?;
        let n = app.client.find_all(Locator::Css("svg.plan .item")).await?.len();
        let start = x_mm(&app, target).await?;
        let idle = idle_frames(&app).await?;
        drag_paced(&app, target, 120.0, 0.0, 120, Some(Duration::from_millis(8))).await?;
        wait_until("the rack to move", 20, async || Ok(x_mm(&app, target).await? != start)).await?;
        let stats: serde_json::Value =
            serde_json::from_str(&app.wait_testid("plan").await?.attr("data-drag-stats").await?.context("stats")?)?;
        app.screenshot(&format!("layout-drag-{name}")).await?;
        eprintln!("{name}: {n} objects on the plan; idle frames {idle}; drag {stats}");
        assert!(stats["handler_ms"]["n"].as_u64().unwrap_or(0) > 0, "the webview saw pointer moves: {stats}");
        if name == "thousand" {
            assert!(n >= 1000, "{n} items on the plan");
        }
        results.insert(name.into(), serde_json::json!({ "objects": n, "idle_frame_interval_ms": idle, "drag": stats }));
        app.finish().await?;
    }
    std::fs::write(artefact_dir().join("layout-drag.json"), serde_json::to_vec_pretty(&results)?)?;
    Ok(())
}

async fn keys(app: &Harness, seq: &[(bool, char)]) -> Result<()> {
    let mut k = KeyActions::new("keys".into());
    for &(down, c) in seq {
        k = k.then(if down { KeyAction::Down { value: c } } else { KeyAction::Up { value: c } });
    }
    app.client.perform_actions(k).await?;
    app.client.release_actions().await?;
    Ok(())
}

async fn press(app: &Harness, c: char) -> Result<()> {
    keys(app, &[(true, c), (false, c)]).await
}

/// Presses and releases the left button on the centre of the element `css`.
async fn press_at(app: &Harness, css: &str) -> Result<()> {
    let c = app
        .client
        .execute(
            "const e = document.querySelector(arguments[0]); e.scrollIntoView({block: 'center'}); \
             const r = e.getBoundingClientRect(); return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];",
            vec![serde_json::json!(css)],
        )
        .await?;
    let (x, y) = (c[0].as_f64().context("x")?, c[1].as_f64().context("y")?);
    let mouse = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo { duration: None, x, y })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    app.client.perform_actions(mouse).await.with_context(|| format!("pressing {css}"))?;
    app.client.release_actions().await?;
    Ok(())
}

/// Shift+click on an item: Shift held by a key source while a pointer
/// source presses and releases on the item.
async fn shift_click(app: &Harness, tag: &str) -> Result<()> {
    let (x, y) = item_centre(app, tag).await?;
    let pause = Duration::from_millis(20);
    let keys = KeyActions::new("keys".into())
        .then(KeyAction::Down { value: '\u{e008}' })
        .then(KeyAction::Pause { duration: pause })
        .then(KeyAction::Pause { duration: pause })
        .then(KeyAction::Pause { duration: pause })
        .then(KeyAction::Up { value: '\u{e008}' });
    let mouse = MouseActions::new("mouse".into())
        .then(PointerAction::Pause { duration: pause })
        .then(PointerAction::MoveTo { duration: None, x, y })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::Pause { duration: pause });
    app.client.perform_actions(fantoccini::actions::Actions::from(keys).and(mouse)).await.context("shift+click")?;
    app.client.release_actions().await?;
    Ok(())
}

async fn count(app: &Harness, css: &str) -> Result<usize> {
    Ok(app.client.find_all(Locator::Css(css)).await?.len())
}

/// The editor's other operations on the demo: select by click, rotate with
/// R and Shift+R, nudge with the arrows (Shift: 10×), duplicate a row,
/// delete with Del, auto-place preview then apply, add a rack, and the bill
/// of materials following along.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editor_operations_work_on_the_demo() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let (dir, project) = demo_project("ops.backstop")?;
    let app = Harness::start(Launch { args: vec!["--project".into(), project.display().to_string()] }).await?;
    app.wait_testid("project-open-card").await?;
    app.click_testid("nav-layout").await?;
    app.show_testid("item-BC-03").await?;
    // A press and release without moving (WebKit's driver does not click SVG elements).
    drag(&app, "BC-03", 0.0, 0.0, 0).await?;
    app.wait_text("selection-count", "1 selected").await?;

    // Rotate: R turns clockwise, Shift+R back.
    press(&app, 'r').await?;
    wait_until("BC-03 to turn", 10, async || Ok(attr(&app, "BC-03", "data-rotation").await? != "0")).await?;
    keys(&app, &[(true, '\u{e008}'), (true, 'R'), (false, 'R'), (false, '\u{e008}')]).await?;
    wait_until("BC-03 to turn back", 10, async || Ok(attr(&app, "BC-03", "data-rotation").await? == "0")).await?;

    // Nudges: one grid step (100 mm), then ten.
    let x0 = x_mm(&app, "BC-03").await?;
    press(&app, '\u{e014}').await?;
    wait_until("a 100 mm nudge", 10, async || Ok(x_mm(&app, "BC-03").await? == x0 + 100)).await?;
    keys(&app, &[(true, '\u{e008}'), (true, '\u{e012}'), (false, '\u{e012}'), (false, '\u{e008}')]).await?;
    wait_until("a 1000 mm nudge west", 10, async || Ok(x_mm(&app, "BC-03").await? == x0 - 900)).await?;

    // Shift+click adds to the selection; align west lines them up; Ctrl+Z undoes.
    drag(&app, "BC-01", 0.0, 0.0, 0).await?;
    app.wait_text("selection-count", "1 selected").await?;
    shift_click(&app, "BC-03").await?;
    app.wait_text("selection-count", "2 selected").await?;
    let (a, b) = (x_mm(&app, "BC-01").await?, x_mm(&app, "BC-03").await?);
    assert_ne!(a, b);
    app.click_testid("align-west").await?;
    wait_until("BC-03 aligned with BC-01", 10, async || Ok(x_mm(&app, "BC-03").await? == a)).await?;
    keys(&app, &[(true, '\u{e009}'), (true, 'z'), (false, 'z'), (false, '\u{e009}')]).await?;
    wait_until("the alignment undone", 10, async || Ok(x_mm(&app, "BC-03").await? == b)).await?;

    // Duplicate a row of two at 1800 mm, then delete the copies with Del.
    let batteries = count(&app, "svg.plan .item.battery").await?;
    app.show_testid("dup-count").await?;
    app.type_testid("dup-count", "2").await?;
    app.type_testid("dup-pitch", "1800").await?;
    app.click_testid("dup-row").await?;
    wait_until("two copies", 10, async || Ok(count(&app, "svg.plan .item.battery").await? == batteries + 2)).await?;
    app.wait_text("selection-count", "2 selected").await?;
    app.screenshot("layout-duplicated").await?;
    press(&app, '\u{e017}').await?;
    wait_until("the copies deleted", 10, async || Ok(count(&app, "svg.plan .item.battery").await? == batteries)).await?;

    // Auto-place two cabinets into the battery room: preview, then apply.
    app.click_testid("tab-autoplace").await?;
    // The demo's UPS sizing case gives the cabinet and the count.
    app.click_testid("ap-from-case").await?;
    let from = app.text_testid("ap-from-case-text").await?;
    let n: u32 = from.split("): ").nth(1).and_then(|t| t.split(" × ").next()).context("count in the text")?.parse()?;
    assert!(n > 0 && from.contains("lfp-ups-cabinet-512v100"), "{from}");
    wait_until("the count from the sizing case", 5, async || Ok(app.value_testid("ap-count").await? == n.to_string())).await?;
    app.show_testid("ap-count").await?;
    app.type_testid("ap-count", "2").await?;
    app.click_testid("ap-preview").await?;
    app.wait_testid("ap-result").await?;
    let previewed = count(&app, "[data-testid=preview-item]").await?;
    let result = app.text_testid("ap-result").await?;
    assert!(previewed > 0 || result.contains("not all fit"), "a preview or the reason: {result}");
    assert_eq!(count(&app, "svg.plan .item.battery").await?, batteries, "a preview saves nothing");
    app.screenshot("layout-autoplace-preview").await?;
    app.click_testid("ap-apply").await?;
    wait_until("the placed cabinets", 10, async || Ok(count(&app, "svg.plan .item.battery").await? == batteries + previewed)).await?;

    // Add a rack to the hall.
    app.click_testid("tab-layout-add").await?;
    app.show_testid("add-rack-room").await?;
    app.wait_testid("add-rack-room").await?.select_by_value("HALL-B").await?;
    let racks = count(&app, "svg.plan .item.rack").await?;
    app.click_testid("add-rack").await?;
    wait_until("the new rack", 10, async || Ok(count(&app, "svg.plan .item.rack").await? == racks + 1)).await?;

    // An item added without a tag prefix gets its kind's default from the
    // backend's rule: a container is BESS-01 (the UI used to decide, and
    // called it BC-). Undone at once, so the counts below stay the demo's.
    app.show_testid("add-eq-catalog").await?;
    app.wait_testid("add-eq-catalog").await?.select_by_value("lfp-container-20ft-3727").await?;
    app.wait_testid("add-eq-room").await?.select_by_value("HALL-B").await?;
    assert_eq!(app.value_testid("add-eq-prefix").await?, "", "no prefix typed");
    app.click_testid("add-eq").await?;
    app.wait_testid("item-BESS-01").await?;
    app.click_testid("layout-undo").await?;
    wait_until("the container undone", 10, async || {
        Ok(app.client.find_all(Locator::Css("[data-testid=\"item-BESS-01\"]")).await?.is_empty())
    })
    .await?;

    // The bill of materials counts them.
    app.click_testid("tab-bom").await?;
    let cabinets = batteries + previewed;
    let bom = app.text_testid("bom").await?;
    assert!(bom.contains("lfp-ups-cabinet-512v100") && bom.contains(&format!("{cabinets} ")), "{bom}");
    let energy = 51.2 * cabinets as f64;
    let energy = if energy.fract().abs() < 1e-9 { format!("{energy:.0}") } else { format!("{energy:.1}") };
    let totals = app.text_testid("bom-totals").await?;
    assert!(totals.contains(&energy), "{cabinets} cabinets of 51.2 kWh: {totals}");
    app.screenshot("layout-bom").await?;

    // Exports: the file is named in the native save dialog (answered from a
    // file here), never by the page; what it names is written completely.
    let csv = dir.path().join("bill of materials.csv");
    app.answer_dialogs(&[csv.as_path()])?;
    app.click_testid("export-bom-csv").await?;
    wait_until("the BOM CSV to be written", 20, async || Ok(csv.is_file())).await?;
    let text = std::fs::read_to_string(&csv)?;
    assert!(text.contains("lfp-ups-cabinet-512v100"), "{text}");
    let svg = dir.path().join("plan.svg");
    app.answer_dialogs(&[svg.as_path()])?;
    app.click_testid("export-plan-svg").await?;
    wait_until("the plan SVG to be written", 20, async || Ok(svg.is_file())).await?;
    assert!(std::fs::read_to_string(&svg)?.contains("<svg"), "an SVG document");

    // Room properties: a floor rated far below the cabinets' weight is flagged.
    press_at(&app, "[data-testid=room-ESS-B] .room-name").await?;
    app.wait_text("selection-count", "1 selected").await?;
    app.click_testid("tab-props").await?;
    app.show_testid("prop-room-load").await?;
    app.type_testid("prop-room-load", "100").await?;
    app.click_testid("prop-save").await?;
    wait_until("a floor-load violation", 10, async || {
        Ok(violations(&app).await?.iter().any(|(rule, objs)| rule.starts_with("floor-load") && objs.contains("ESS-B")))
    })
    .await?;
    app.screenshot("layout-room-props").await?;

    // Mid-drag: the ghost copy and the live dimensions are shown.
    app.show_testid("item-BC-03").await?;
    let c = app
        .client
        .execute(
            "const r = document.querySelector('[data-testid=\"item-BC-03\"] rect.body').getBoundingClientRect(); \
             return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];",
            vec![],
        )
        .await?;
    let (x, y) = (c[0].as_f64().context("x")?, c[1].as_f64().context("y")?);
    let mut mouse = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo { duration: None, x, y })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT });
    for i in 1..=10 {
        mouse = mouse.then(PointerAction::MoveTo { duration: None, x: x - f64::from(i) * 3.0, y: y + f64::from(i) * 2.0 });
    }
    app.client.perform_actions(mouse).await?;
    let dims = app.text_testid("drag-dims").await?;
    assert!(dims.starts_with("Δx -") && dims.contains("gap"), "live dimensions: {dims}");
    app.screenshot("layout-mid-drag").await?;
    app.client.perform_actions(MouseActions::new("mouse".into()).then(PointerAction::Up { button: MOUSE_BUTTON_LEFT })).await?;
    app.client.release_actions().await?;
    app.finish().await
}

/// Viewport pixel (whole) of a plan point in mm, through the SVG's own
/// screen transform (zoom, pan and letterboxing included).
async fn plan_px(app: &Harness, x_mm: i64, y_mm: i64) -> Result<(f64, f64)> {
    let v = app
        .client
        .execute(
            "const s = document.querySelector('[data-testid=plan]'); const p = s.createSVGPoint(); \
             p.x = arguments[0]; p.y = -arguments[1]; const q = p.matrixTransform(s.getScreenCTM()); \
             return [Math.round(q.x), Math.round(q.y)];",
            vec![serde_json::json!(x_mm), serde_json::json!(y_mm)],
        )
        .await?;
    Ok((v[0].as_f64().context("x")?, v[1].as_f64().context("y")?))
}

/// The part of the plan shown (mm: west, south, east, north) and the
/// rooms' extent (same order).
async fn plan_extents(app: &Harness) -> Result<([f64; 4], [f64; 4])> {
    let v = app
        .client
        .execute(
            "const s = document.querySelector('[data-testid=plan]'); const r = s.getBoundingClientRect(); \
             const m = s.getScreenCTM().inverse(); const at = (x, y) => { const p = s.createSVGPoint(); p.x = x; p.y = y; return p.matrixTransform(m); }; \
             const a = at(r.left + 20, r.top + 20), b = at(r.right - 20, r.bottom - 20); \
             let lo = [Infinity, Infinity], hi = [-Infinity, -Infinity]; \
             for (const poly of document.querySelectorAll('svg.plan .room polygon')) for (const p of poly.points) { \
               lo = [Math.min(lo[0], p.x), Math.min(lo[1], -p.y)]; hi = [Math.max(hi[0], p.x), Math.max(hi[1], -p.y)]; } \
             return [[a.x, -b.y, b.x, -a.y], [lo[0], lo[1], hi[0], hi[1]]];",
            vec![],
        )
        .await?;
    let four = |x: &serde_json::Value| -> Result<[f64; 4]> {
        let a: Vec<f64> = x.as_array().context("array")?.iter().filter_map(serde_json::Value::as_f64).collect();
        a.try_into().map_err(|_| anyhow::anyhow!("four numbers"))
    };
    Ok((four(&v[0])?, four(&v[1])?))
}

/// Sets the snap grid as typing a value and leaving the field does (the
/// driver cannot clear a number field in WebKit).
async fn set_grid(app: &Harness, mm: u32) -> Result<()> {
    app.client
        .execute(
            "const e = document.querySelector('[data-testid=grid-size]'); e.value = String(arguments[0]); \
             e.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![serde_json::json!(mm)],
        )
        .await?;
    wait_until("the grid size", 5, async || Ok(app.value_testid("grid-size").await? == mm.to_string())).await
}

/// Presses and releases the left button at a viewport pixel.
async fn click_px(app: &Harness, (x, y): (f64, f64)) -> Result<()> {
    let mouse = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo { duration: None, x, y })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    app.client.perform_actions(mouse).await.with_context(|| format!("click at {x}, {y}"))?;
    app.client.release_actions().await?;
    Ok(())
}

/// A real room is not a rectangle: an L-shaped room drawn by clicking its
/// corners, a door put on its wall and a column in it with the plan's
/// tools, then three cabinets selected with a box dragged on the background
/// and moved together as one edit that one undo takes back. A screenshot of
/// each step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_l_shaped_room_is_drawn_and_a_box_selection_moves_as_one_edit() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let (_dir, project) = demo_project("rooms.backstop")?;
    let app = Harness::start(Launch { args: vec!["--project".into(), project.display().to_string()] }).await?;
    app.wait_testid("project-open-card").await?;
    app.click_testid("nav-layout").await?;
    item(&app, "BC-03").await?;
    app.show_testid("plan").await?;

    // Room for an 8 m × 6 m L above the demo's rooms (zoom out until it fits).
    let (view, rooms) = loop {
        let (view, rooms) = plan_extents(&app).await?;
        if view[3] - rooms[3] >= 8_000.0 && view[2] - rooms[0] >= 9_000.0 {
            break (view, rooms);
        }
        anyhow::ensure!(view[2] - view[0] < 1_000_000.0, "no room on the plan for the L: view {view:?}, rooms {rooms:?}");
        app.click_testid("zoom-out").await?;
    };
    let _ = view;
    // A 500 mm grid: a click a pixel off (about 100 mm at this zoom) still
    // lands on the corner meant.
    set_grid(&app, 500).await?;
    let x0 = ((rooms[0] / 500.0).round() as i64) * 500;
    let y0 = ((rooms[3] / 500.0).round() as i64) * 500 + 1_000;
    // South wall 8 m, east 3 m, back 5 m, north 3 m more, west 6 m.
    let l = [(0, 0), (8_000, 0), (8_000, 3_000), (3_000, 3_000), (3_000, 6_000), (0, 6_000)];
    app.click_testid("tool-room").await?;
    app.wait_testid("tool-hint").await?;
    for (i, (dx, dy)) in l.iter().enumerate() {
        click_px(&app, plan_px(&app, x0 + dx, y0 + dy).await?).await?;
        wait_until("the corner to be drawn", 10, async || Ok(count(&app, "[data-testid=draft-corner]").await? == i + 1)).await?;
    }
    app.screenshot("layout-draw-room").await?;
    // Back on the first corner: the outline closes and is saved.
    click_px(&app, plan_px(&app, x0, y0).await?).await?;
    app.wait_testid("room-ROOM-1").await?;
    let points = app.client.find(Locator::Css("[data-testid=room-ROOM-1] polygon")).await?.attr("points").await?.context("points")?;
    let expected: Vec<String> = l.iter().map(|(dx, dy)| format!("{},{}", x0 + dx, -(y0 + dy))).collect();
    assert_eq!(points, expected.join(" "), "the L as clicked, corner by corner");
    assert!(app.text_testid("layout-status").await?.starts_with("Add room ROOM-1"), "one labelled edit");
    assert_eq!(count(&app, "[data-testid=tool-hint]").await?, 0, "back to the select tool");

    // A door: clicked 100 mm inside the east wall of the L's long leg; it goes onto the wall.
    app.click_testid("tool-door").await?;
    click_px(&app, plan_px(&app, x0 + 7_900, y0 + 1_500).await?).await?;
    wait_until("the door", 10, async || Ok(count(&app, "[data-testid=room-ROOM-1] .door").await? == 1)).await?;
    let status = app.text_testid("layout-status").await?;
    assert!(status.starts_with("Add door D-") && status.contains("to room ROOM-1"), "{status}");
    // And a column in the short leg.
    app.click_testid("tool-column").await?;
    click_px(&app, plan_px(&app, x0 + 1_500, y0 + 4_500).await?).await?;
    wait_until("the column", 10, async || Ok(count(&app, "[data-testid=room-ROOM-1] .column").await? == 1)).await?;
    // The door's properties: click it on the plan.
    press_at(&app, "[data-testid=room-ROOM-1] .door .door-hit").await?;
    app.wait_text("selection-count", "1 selected").await?;
    app.click_testid("tab-props").await?;
    app.wait_testid("props-door").await?;
    assert_eq!(app.value_testid("prop-door-x").await?, (x0 + 8_000).to_string(), "on the east wall");
    app.screenshot("layout-l-room-door-column").await?;

    // Reshape: select the room, drag the top corner of its short leg 1 m
    // north; the west wall's top corner follows (walls stay square).
    press_at(&app, "[data-testid=room-ROOM-1] .room-name").await?;
    app.wait_testid("corner-4").await?;
    let (cx, cy) = plan_px(&app, x0 + 3_000, y0 + 6_000).await?;
    let (_, ty) = plan_px(&app, x0 + 3_000, y0 + 7_000).await?;
    let mut mouse = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo { duration: None, x: cx, y: cy })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT });
    for i in 1..=6 {
        mouse = mouse.then(PointerAction::MoveTo { duration: None, x: cx, y: (cy + (ty - cy) * f64::from(i) / 6.0).round() });
    }
    app.client.perform_actions(mouse).await.context("dragging a corner")?;
    app.wait_testid("reshaped").await?;
    app.screenshot("layout-reshaping").await?;
    app.client.perform_actions(MouseActions::new("mouse".into()).then(PointerAction::Up { button: MOUSE_BUTTON_LEFT })).await?;
    app.client.release_actions().await?;
    let reshaped: Vec<String> = [(0, 0), (8_000, 0), (8_000, 3_000), (3_000, 3_000), (3_000, 7_000), (0, 7_000)]
        .iter()
        .map(|(dx, dy)| format!("{},{}", x0 + dx, -(y0 + dy)))
        .collect();
    wait_until("the reshaped room", 10, async || {
        Ok(app.client.find(Locator::Css("[data-testid=room-ROOM-1] polygon")).await?.attr("points").await?.unwrap_or_default()
            == reshaped.join(" "))
    })
    .await?;
    assert!(app.text_testid("layout-status").await?.starts_with("Edit room ROOM-1"), "one labelled edit");

    // Space held while dragging the background pans (the notch of the L is background).
    let view_box = app.wait_testid("plan").await?.attr("viewBox").await?.unwrap_or_default();
    let (px, py) = plan_px(&app, x0 + 6_000, y0 + 5_500).await?;
    let pause = Duration::from_millis(20);
    let space = KeyActions::new("keys".into())
        .then(KeyAction::Down { value: ' ' })
        .then(KeyAction::Pause { duration: pause })
        .then(KeyAction::Pause { duration: pause })
        .then(KeyAction::Pause { duration: pause })
        .then(KeyAction::Pause { duration: pause })
        .then(KeyAction::Up { value: ' ' });
    let mouse = MouseActions::new("mouse".into())
        .then(PointerAction::Pause { duration: pause })
        .then(PointerAction::MoveTo { duration: None, x: px, y: py })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::MoveTo { duration: None, x: px + 20.0, y: py + 10.0 })
        .then(PointerAction::MoveTo { duration: None, x: px + 40.0, y: py + 20.0 })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    app.client.perform_actions(fantoccini::actions::Actions::from(space).and(mouse)).await.context("space+drag")?;
    app.client.release_actions().await?;
    wait_until("the plan to pan", 5, async || Ok(app.wait_testid("plan").await?.attr("viewBox").await?.unwrap_or_default() != view_box))
        .await?;
    assert_eq!(app.text_testid("selection-count").await?, "1 selected", "panning selects nothing");

    set_grid(&app, 100).await?;

    // Box selection: from just below-right of BC-03 to just above-left of
    // BC-01 (the top row of the battery room), on the background.
    let corner = async |tag: &str, right: bool| -> Result<(f64, f64)> {
        let v = app
            .client
            .execute(
                "const r = document.querySelector(`[data-testid=\"item-${arguments[0]}\"] rect.body`).getBoundingClientRect(); \
                 return arguments[1] ? [Math.round(r.right + 6), Math.round(r.bottom + 6)] : [Math.round(r.left - 6), Math.round(r.top - 6)];",
                vec![serde_json::json!(tag), serde_json::json!(right)],
            )
            .await?;
        Ok((v[0].as_f64().context("x")?, v[1].as_f64().context("y")?))
    };
    app.show_testid("item-BC-02").await?;
    let (from, to) = (corner("BC-03", true).await?, corner("BC-01", false).await?);
    let mut mouse = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo { duration: None, x: from.0, y: from.1 })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT });
    for i in 1..=8 {
        let k = f64::from(i) / 8.0;
        mouse = mouse.then(PointerAction::MoveTo {
            duration: None,
            x: (from.0 + (to.0 - from.0) * k).round(),
            y: (from.1 + (to.1 - from.1) * k).round(),
        });
    }
    app.client.perform_actions(mouse).await.context("dragging a selection box")?;
    app.wait_testid("marquee").await?;
    app.screenshot("layout-box-selecting").await?;
    app.client.perform_actions(MouseActions::new("mouse".into()).then(PointerAction::Up { button: MOUSE_BUTTON_LEFT })).await?;
    app.client.release_actions().await?;
    app.wait_text("selection-count", "3 selected").await?;
    for tag in ["BC-01", "BC-02", "BC-03"] {
        assert!(item(&app, tag).await?.attr("class").await?.unwrap_or_default().contains("selected"), "{tag} selected");
    }
    assert!(!item(&app, "BC-04").await?.attr("class").await?.unwrap_or_default().contains("selected"), "BC-04 is outside the box");

    // Drag one of them: all three move by the same distance, as one edit.
    let before: Vec<i64> = [x_mm(&app, "BC-01").await?, x_mm(&app, "BC-02").await?, x_mm(&app, "BC-03").await?].to_vec();
    let bc04 = x_mm(&app, "BC-04").await?;
    let dx_px = (300.0 * px_per_mm(&app).await?).round().max(6.0);
    drag(&app, "BC-02", dx_px, 0.0, 10).await?;
    wait_until("the three to move", 10, async || Ok(x_mm(&app, "BC-02").await? != before[1])).await?;
    let after: Vec<i64> = [x_mm(&app, "BC-01").await?, x_mm(&app, "BC-02").await?, x_mm(&app, "BC-03").await?].to_vec();
    let moved: Vec<i64> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
    assert!(moved[0] > 0 && moved.iter().all(|d| *d == moved[0]), "moved together: {moved:?}");
    assert_eq!(x_mm(&app, "BC-04").await?, bc04, "BC-04 stays");
    assert!(app.text_testid("layout-status").await?.starts_with("Move 3 items"), "one edit");
    app.screenshot("layout-box-moved").await?;
    // One undo takes all three back.
    app.click_testid("layout-undo").await?;
    wait_until("the three back", 10, async || {
        Ok([x_mm(&app, "BC-01").await?, x_mm(&app, "BC-02").await?, x_mm(&app, "BC-03").await?].to_vec() == before)
    })
    .await?;
    app.wait_testid("room-ROOM-1").await?;
    app.finish().await
}
