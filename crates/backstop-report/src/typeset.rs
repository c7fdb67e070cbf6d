//! Typst as a library: compiles one of our templates with a JSON data file
//! and a few images (chart and plan SVGs) into a PDF, or into one SVG per
//! page for previews. No file system, no network and no package imports:
//! the templates, data and images are all in memory, and the fonts are the
//! ones embedded in this binary.

use std::collections::HashMap;
use std::sync::OnceLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

/// Templates shared by every report (page style, title block, helpers).
const COMMON: &str = include_str!("../templates/common.typ");

/// Why a report could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The template or data could not be typeset (a bug in a template, or
    /// data the template does not expect). The message lists Typst's errors.
    #[error("the report could not be typeset: {0}")]
    Typeset(String),
    /// The report data could not be encoded.
    #[error("the report data could not be encoded: {0}")]
    Data(String),
    /// A chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] crate::charts::ChartError),
    /// The report would exceed what Backstop typesets (see [`Budget`]);
    /// nothing was typeset. The message says what is too large.
    #[error("{0}")]
    TooLarge(String),
}

/// The most one report may hand to Typst. Typesetting time and memory grow
/// with the text to lay out (a 1 MB project name once took 5.5 s and
/// 1.15 GB; 5 MB took 96 s and 7.2 GB), so every job is measured before
/// Typst sees it and refused when it is over, whatever the project holds.
/// The project store's field limits keep real projects far below these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The report data as JSON, bytes.
    pub data_bytes: usize,
    /// The longest single text in the data, characters.
    pub text_chars: usize,
    /// Images (plan, charts, logo), bytes in total.
    pub file_bytes: usize,
}

/// What every report must stay within: ten times the data of a large real
/// report (the demo's design report is 95 kB of data for 10 pages; 1 MB of
/// dense text is about 300 pages, a few seconds of typesetting in a release
/// build).
pub const BUDGET: Budget = Budget { data_bytes: 1024 * 1024, text_chars: 20_000, file_bytes: 16 * 1024 * 1024 };

impl Budget {
    /// What `job` would use.
    pub fn of(job: &Job) -> Result<(Budget, String), ReportError> {
        let data = serde_json::to_vec(&job.data).map_err(|e| ReportError::Data(e.to_string()))?;
        let mut longest = (0usize, String::new());
        longest_text(&job.data, &mut String::new(), &mut longest);
        Ok((Budget { data_bytes: data.len(), text_chars: longest.0, file_bytes: job.files.iter().map(|(_, b)| b.len()).sum() }, longest.1))
    }

    /// Refuses `job` when it uses more than this budget, saying what is too large.
    pub fn check(&self, job: &Job) -> Result<Budget, ReportError> {
        let (used, longest_at) = Budget::of(job)?;
        let mb = |n: usize| format!("{:.1} MB", n as f64 / (1024.0 * 1024.0));
        let what = if used.text_chars > self.text_chars {
            format!(
                "one text ({longest_at}) is {} characters long; a report prints texts of up to {} characters",
                used.text_chars, self.text_chars
            )
        } else if used.data_bytes > self.data_bytes {
            format!("its data is {}; a report typesets at most {}", mb(used.data_bytes), mb(self.data_bytes))
        } else if used.file_bytes > self.file_bytes {
            format!("its plan and charts are {}; a report embeds at most {}", mb(used.file_bytes), mb(self.file_bytes))
        } else {
            return Ok(used);
        };
        Err(ReportError::TooLarge(format!(
            "The report was not made because {what}. Shorten that text or split the project, then make the report again."
        )))
    }
}

/// The longest string inside `v` and where it is.
fn longest_text(v: &serde_json::Value, path: &mut String, best: &mut (usize, String)) {
    match v {
        // Bytes first: a text with fewer bytes cannot have more characters.
        serde_json::Value::String(s) if s.len() > best.0 => {
            let n = s.chars().count();
            if n > best.0 {
                *best = (n, if path.is_empty() { "the data".into() } else { path.trim_start_matches('.').to_owned() });
            }
        }
        serde_json::Value::Array(items) => {
            let len = path.len();
            for (i, item) in items.iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                longest_text(item, path, best);
                path.truncate(len);
            }
        }
        serde_json::Value::Object(map) => {
            let len = path.len();
            for (k, item) in map {
                path.push('.');
                path.push_str(k);
                longest_text(item, path, best);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// A report ready to typeset: a template, its data and its images.
pub struct Job {
    /// Typst source of the report (it imports "common.typ" and reads
    /// "data.json").
    pub template: &'static str,
    /// The data, serialised to JSON and served as `/data.json`.
    pub data: serde_json::Value,
    /// Extra files by virtual path (e.g. `/charts/0.svg`).
    pub files: Vec<(String, Vec<u8>)>,
    /// The report date, fixed by the caller so output is reproducible.
    pub date: (i32, u8, u8),
    /// Stable identifier of the document (e.g. project path + report kind).
    pub ident: String,
}

/// A typeset report.
pub struct Rendered {
    document: PagedDocument,
    ident: String,
    date: (i32, u8, u8),
}

impl Rendered {
    /// Number of pages.
    pub fn page_count(&self) -> usize {
        self.document.pages().len()
    }

    /// The PDF bytes. Identical data gives identical bytes.
    pub fn pdf(&self) -> Result<Vec<u8>, ReportError> {
        let timestamp = Datetime::from_ymd(self.date.0, self.date.1, self.date.2).map(typst_pdf::Timestamp::new_utc);
        let options = typst_pdf::PdfOptions {
            ident: Smart::Custom(self.ident.clone()),
            creator: Smart::Custom(Some(format!("Backstop {}", env!("CARGO_PKG_VERSION")))),
            timestamp,
            ..typst_pdf::PdfOptions::default()
        };
        typst_pdf::pdf(&self.document, &options).map_err(|errors| ReportError::Typeset(describe(&errors)))
    }

    /// One SVG per page, for previews in the UI.
    pub fn svg_pages(&self) -> Vec<String> {
        let options = typst_svg::SvgOptions::default();
        self.document.pages().iter().map(|page| typst_svg::svg(page, &options)).collect()
    }
}

/// Typesets a job.
///
/// Refused before Typst runs when the job is over [`BUDGET`], so no project
/// can make the app or the command line typeset for minutes.
pub fn typeset(job: Job) -> Result<Rendered, ReportError> {
    BUDGET.check(&job)?;
    let world = ReportWorld::new(&job)?;
    let warned = typst::compile::<PagedDocument>(&world);
    let document = warned.output.map_err(|errors| ReportError::Typeset(describe(&errors)))?;
    Ok(Rendered { document, ident: job.ident, date: job.date })
}

fn describe(errors: &[SourceDiagnostic]) -> String {
    errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")
}

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// The fonts compiled into the binary (DejaVu; licence in `fonts/`). No
/// system font is ever used, so output does not depend on the machine.
const FONT_FILES: [&[u8]; 4] = [
    include_bytes!("../fonts/DejaVuSans.ttf"),
    include_bytes!("../fonts/DejaVuSans-Bold.ttf"),
    include_bytes!("../fonts/DejaVuSans-Oblique.ttf"),
    include_bytes!("../fonts/DejaVuSansMono.ttf"),
];

/// The embedded fonts, loaded once per process.
fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = FONT_FILES.iter().flat_map(|data| Font::iter(Bytes::new(*data))).collect();
        Fonts { book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts }
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

fn file_id(path: &str) -> Result<FileId, ReportError> {
    let vpath = VirtualPath::new(path).map_err(|e| ReportError::Data(format!("bad virtual path {path}: {e}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

struct ReportWorld {
    main: FileId,
    sources: HashMap<FileId, Source>,
    files: HashMap<FileId, Bytes>,
    today: Datetime,
}

impl ReportWorld {
    fn new(job: &Job) -> Result<Self, ReportError> {
        let main = file_id("/main.typ")?;
        let common = file_id("/common.typ")?;
        let mut sources = HashMap::new();
        sources.insert(main, Source::new(main, job.template.to_string()));
        sources.insert(common, Source::new(common, COMMON.to_string()));
        let mut files = HashMap::new();
        let data = serde_json::to_vec(&job.data).map_err(|e| ReportError::Data(e.to_string()))?;
        files.insert(file_id("/data.json")?, Bytes::new(data));
        for (path, bytes) in &job.files {
            files.insert(file_id(path)?, Bytes::new(bytes.clone()));
        }
        let today = Datetime::from_ymd(job.date.0, job.date.1, job.date.2)
            .ok_or_else(|| ReportError::Data(format!("{:?} is not a date", job.date)))?;
        Ok(ReportWorld { main, sources, files, today })
    }
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.sources.get(&id).cloned().ok_or_else(|| not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(bytes) = self.files.get(&id) {
            return Ok(bytes.clone());
        }
        self.sources.get(&id).map(|s| Bytes::from_string(s.text().to_string())).ok_or_else(|| not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_without_slash().into())
}
