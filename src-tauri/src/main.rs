// No console window on Windows release builds; on Linux this is a no-op.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    let options = match backstop_app::Options::parse(std::env::args_os().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("backstop-app: {message}\n\n{}", backstop_app::Options::USAGE);
            return ExitCode::from(2);
        }
    };
    if options.help {
        println!("{}", backstop_app::Options::USAGE);
        return ExitCode::SUCCESS;
    }
    if options.version {
        println!("backstop-app {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    // A Backstop already running takes the file (a double-click in the file
    // manager) and this process ends; it needs no display for that.
    let listener = match backstop_app::instance::claim_for(&options) {
        Ok(backstop_app::instance::Claim::Handed) => {
            match &options.project {
                Some(p) => eprintln!("backstop-app: {} was handed to the Backstop that is already running", p.display()),
                None => eprintln!("backstop-app: Backstop is already running; its window was brought forward"),
            }
            return ExitCode::SUCCESS;
        }
        Ok(backstop_app::instance::Claim::First(listener)) => Some(listener),
        Err(e) => {
            eprintln!("backstop-app: could not check for a running Backstop ({e}); starting a separate one");
            None
        }
    };
    if let Err(message) = backstop_app::display::check() {
        eprintln!("backstop-app: {message}");
        return ExitCode::from(3);
    }
    // Before `run` starts any thread: this sets an environment variable.
    if let Some(why) = backstop_app::display::choose_compositing() {
        eprintln!("backstop-app: the webview draws without accelerated compositing ({why})");
    }
    backstop_app::run(options, started, listener)
}
