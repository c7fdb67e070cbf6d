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
    if let Err(message) = backstop_app::display::check() {
        eprintln!("backstop-app: {message}");
        return ExitCode::from(3);
    }
    backstop_app::run(options, started)
}
