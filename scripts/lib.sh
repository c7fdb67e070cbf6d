# Shared helpers for Backstop's scripts. Sourced, not run.
# shellcheck shell=bash

BACKSTOP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="$BACKSTOP_ROOT/.backstop-setup"
export PATH="$HOME/.cargo/bin:$PATH"

say()  { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "installing system packages needs root; rerun as root or install sudo"; fi
}

# The cargo that builds native code: rustup's when present, else Debian's.
native_cargo() {
  if command -v cargo >/dev/null 2>&1; then command -v cargo
  elif [ -x /usr/bin/cargo ]; then echo /usr/bin/cargo
  else die "no cargo found; run scripts/setup first"; fi
}

# How the wasm UI is compiled on this machine: "rustup" or "debian" (see README).
wasm_mode() {
  [ -f "$STATE_DIR/wasm-mode" ] || die "the wasm toolchain is not set up; run scripts/setup first"
  cat "$STATE_DIR/wasm-mode"
}

# Version of a package in a Cargo.lock, e.g. lock_version ui/Cargo.lock wasm-bindgen
lock_version() {
  awk -v name="$2" '
    $0 == "[[package]]" { in_pkg = 1; found = 0; next }
    in_pkg && $1 == "name" { found = ($3 == "\"" name "\"") }
    in_pkg && found && $1 == "version" { gsub(/"/, "", $3); print $3; exit }
  ' "$1"
}

has_display() {
  [ -n "${WAYLAND_DISPLAY:-}" ] && return 0
  [ -n "${DISPLAY:-}" ] || return 1
  case "$DISPLAY" in
    :*) local n="${DISPLAY#:}"; n="${n%%.*}"; [ -S "/tmp/.X11-unix/X$n" ] ;;
    *) return 0 ;;
  esac
}
