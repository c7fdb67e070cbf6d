//! Helpers for report tests: text extraction with pdftotext (poppler-utils).

use std::path::PathBuf;
use std::process::Command;

/// Where sample outputs go for a human to look at: `target/report-samples/`.
pub fn sample_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/report-samples");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Text of a PDF with all runs of white space folded to one space (so a
/// value wrapped inside a table cell is still found), or a clear failure
/// when pdftotext is missing.
pub fn pdf_text(pdf: &[u8], name: &str) -> String {
    let path = sample_dir().join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is needed by the report tests: run scripts/setup --test");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}
