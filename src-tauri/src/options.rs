//! Command-line options of the desktop app.

use std::ffi::OsString;
use std::path::PathBuf;

/// How the app was asked to start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Open this project file at start.
    pub project: Option<PathBuf>,
    /// Serial device of the demo's simulated pack controller, shown in the
    /// about panel and offered on the Commissioning connect screen.
    pub demo_link: Option<String>,
    /// Directory for per-user state (recent projects). Defaults to the
    /// platform's config directory; tests point it at a temp dir.
    pub config_dir: Option<PathBuf>,
    /// Print the time from process start to the UI's first paint and exit
    /// (used by the start-up benchmark).
    pub exit_after_first_paint: bool,
    /// Answer file dialogs from this file instead of showing them: one path
    /// per line, each dialog takes the first line (an empty line cancels).
    /// For the end-to-end tests, which cannot drive native dialogs.
    pub dialog_answers: Option<PathBuf>,
    pub help: bool,
    pub version: bool,
}

impl Options {
    pub const USAGE: &'static str = "\
usage: backstop-app [FILE.backstop | --project FILE.backstop] [--demo-link SERIAL_DEVICE]
                    [--config-dir DIR] [--exit-after-first-paint] [--version]
                    [--dialog-answers FILE]

  FILE, --project FILE
                     open this project (in the running Backstop, if there is one)
  --demo-link DEV    serial device of a simulated pack controller (the demo)
  --config-dir DIR   where recent projects are remembered (default: the user's config dir)
  --exit-after-first-paint
                     print `first-paint-ms=N` once the UI has painted, then exit (benchmark)
  --version          print the version and exit
  --dialog-answers FILE
                     answer file dialogs with the paths in FILE, one per line, instead of
                     showing them (automated tests)";

    pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Self, String> {
        let mut options = Options::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let flag = arg.to_string_lossy().into_owned();
            let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
            match flag.as_str() {
                "--project" => {
                    let path = PathBuf::from(value("--project")?);
                    if options.project.replace(path).is_some() {
                        return Err("give one project file (a second one was named)".into());
                    }
                }
                "--demo-link" => options.demo_link = Some(value("--demo-link")?.to_string_lossy().into_owned()),
                "--config-dir" => options.config_dir = Some(PathBuf::from(value("--config-dir")?)),
                "--exit-after-first-paint" => options.exit_after_first_paint = true,
                "--dialog-answers" => options.dialog_answers = Some(PathBuf::from(value("--dialog-answers")?)),
                "-h" | "--help" => options.help = true,
                "-V" | "--version" => options.version = true,
                other if other.starts_with('-') && other != "-" => return Err(format!("unknown argument `{other}`")),
                // A positional file: what a desktop launcher passes for a double-clicked project.
                _ => {
                    if options.project.is_some() {
                        return Err("give one project file (a second one was named)".into());
                    }
                    options.project = Some(PathBuf::from(arg));
                }
            }
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::Options;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(args.iter().map(|s| s.into()))
    }

    #[test]
    fn parses_known_flags() {
        let o = parse(&["--project", "/tmp/a b.backstop", "--demo-link", "/tmp/ttyA"]).unwrap();
        assert_eq!(o.project.unwrap().to_str(), Some("/tmp/a b.backstop"));
        assert_eq!(o.demo_link.as_deref(), Some("/tmp/ttyA"));
        assert!(!o.help);
    }

    #[test]
    fn a_positional_file_is_the_project_to_open() {
        let o = parse(&["/home/eng/Site B.backstop"]).unwrap();
        assert_eq!(o.project.unwrap().to_str(), Some("/home/eng/Site B.backstop"));
        let o = parse(&["--config-dir", "/tmp/c", "a.backstop", "--demo-link", "/tmp/ttyA"]).unwrap();
        assert_eq!(o.project.unwrap().to_str(), Some("a.backstop"));
        assert_eq!(parse(&["a.backstop", "--project", "b.backstop"]).unwrap_err(), "give one project file (a second one was named)");
        assert_eq!(parse(&["a.backstop", "b.backstop"]).unwrap_err(), "give one project file (a second one was named)");
        assert!(parse(&["--version"]).unwrap().version);
    }

    #[test]
    fn rejects_unknown_and_incomplete_flags() {
        assert_eq!(parse(&["--bogus"]).unwrap_err(), "unknown argument `--bogus`");
        assert_eq!(parse(&["--project"]).unwrap_err(), "--project needs a value");
    }
}
