//! `backstop`: the command line for design-review scripts and CI —
//! `project new|info|check|export|import`, `check`, `bom`, `size`, `report`.

fn main() {
    eprintln!("backstop: no subcommands are available in this build yet");
    std::process::exit(2);
}
