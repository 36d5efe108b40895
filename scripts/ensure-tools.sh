#!/usr/bin/env bash
# shellcheck shell=bash
#
# Installs, only when missing, the tools that ./run and ./test need, then puts
# them on PATH. Sourced by ./run and ./test; can also be run on its own:
#
#   scripts/ensure-tools.sh           # everything ./test needs (default)
#   scripts/ensure-tools.sh build     # only what ./run needs (no browser)
#   ENSURE_DRY_RUN=1 scripts/ensure-tools.sh   # print what would be installed
#
# Idempotent and fast when all is present (each check is a file test or a
# `--version` call). Versions are pinned on purpose; see
# shared notes "toolchain.md" for why each one:
#   - wasm32-unknown-unknown target       (rustup)
#   - rustfmt + clippy components         (rustup)
#   - trunk 0.21.14                       (cargo install --locked; 0.22 needs a newer rustc)
#   - wasm-bindgen-cli == the wasm-bindgen version in Cargo.lock
#                                         (cargo install, WITHOUT --locked)
#   - chromium + chromium-driver          (Debian apt; "all" mode only)
#   - npm devDependencies                 (npm ci: playwright-core, binaryen@132 = wasm-opt)
#
# Nothing here ever lets Trunk download a tool: it runs with --offline, and the
# versions in Trunk.toml must match what is installed here.
#
# Environment:
#   ENSURE_DRY_RUN=1   check everything, print the install commands, run none of them.
#   CARGO_HOME         where cargo installs binaries (default ~/.cargo).

TRUNK_VERSION="0.21.14"
WASM_TARGET="wasm32-unknown-unknown"
WASM_OPT_VERSION="version_132"

# --- small helpers -----------------------------------------------------------

_et_log() { printf '[tools] %s\n' "$*"; }
_et_die() {
  printf '[tools] ERROR: %s\n' "$*" >&2
  return 1
}

# Run an install command, or only print it in dry-run mode.
_et_install() {
  if [[ "${ENSURE_DRY_RUN:-0}" == "1" ]]; then
    _et_log "DRY RUN, would run: $*"
  else
    _et_log "running: $*"
    "$@"
  fi
}

# Run a command as root: directly if we are root, else through sudo.
_et_as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    _et_install "$@"
  elif command -v sudo >/dev/null 2>&1; then
    _et_install sudo "$@"
  else
    _et_die "need root (or sudo) to run: $*"
  fi
}

# apt-get install, with one `apt-get update` per process before the first install.
_ET_APT_UPDATED=0
_et_apt_install() {
  if [[ "$_ET_APT_UPDATED" == "0" ]]; then
    _et_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
    _ET_APT_UPDATED=1
  fi
  _et_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

# Prepend a directory to PATH unless it is already there.
_et_path_prepend() {
  case ":$PATH:" in
    *":$1:"*) ;;
    *) PATH="$1:$PATH" ;;
  esac
}

# Version of package $1 in Cargo.lock (first match), or nothing.
_et_lock_version() {
  awk -v name="$1" '
    $0 == "[[package]]"            { in_pkg = 0 }
    $0 == ("name = \"" name "\"")  { in_pkg = 1; next }
    in_pkg && /^version = "/       { gsub(/^version = "|"$/, ""); print; exit }
  ' Cargo.lock
}

# --- the checks ----------------------------------------------------------------

# Rust itself cannot be installed from here (rustup's installer site is not
# reachable from every machine this runs on): require it.
_et_rust() {
  local cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
  # Always on PATH, even before it exists: `cargo install` creates it below.
  _et_path_prepend "$cargo_bin"
  command -v cargo >/dev/null 2>&1 ||
    _et_die "cargo not found: install Rust with rustup (https://rustup.rs), then re-run" || return 1
  command -v rustup >/dev/null 2>&1 ||
    _et_die "rustup not found: the $WASM_TARGET target is installed with rustup" || return 1
}

_et_wasm_target() {
  local sysroot
  sysroot="$(rustc --print sysroot)"
  if [[ -d "$sysroot/lib/rustlib/$WASM_TARGET" ]]; then
    _et_log "ok   rust target $WASM_TARGET"
  else
    _et_log "MISSING rust target $WASM_TARGET"
    _et_install rustup target add "$WASM_TARGET"
  fi
}

_et_components() {
  local missing=()
  cargo fmt --version >/dev/null 2>&1 || missing+=(rustfmt)
  cargo clippy --version >/dev/null 2>&1 || missing+=(clippy)
  if ((${#missing[@]} == 0)); then
    _et_log "ok   rustfmt, clippy"
  else
    _et_log "MISSING rust components: ${missing[*]}"
    _et_install rustup component add "${missing[@]}"
  fi
}

_et_trunk() {
  local have=""
  command -v trunk >/dev/null 2>&1 && have="$(trunk --version 2>/dev/null | awk '{print $2}')"
  if [[ "$have" == "$TRUNK_VERSION" ]]; then
    _et_log "ok   trunk $have"
  else
    _et_log "MISSING trunk $TRUNK_VERSION (found: ${have:-none}); cold install takes ~7 min on 2 cores"
    _et_install cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
}

_et_wasm_bindgen() {
  local want have="" pinned
  if [[ ! -f Cargo.lock ]]; then
    _et_log "no Cargo.lock yet: generating it"
    _et_install cargo generate-lockfile || return 1
  fi
  want="$(_et_lock_version wasm-bindgen 2>/dev/null || true)"
  if [[ -z "$want" ]]; then
    if [[ "${ENSURE_DRY_RUN:-0}" == "1" ]]; then
      _et_log "DRY RUN: no wasm-bindgen in Cargo.lock yet; cannot pick a wasm-bindgen-cli version"
      return 0
    fi
    _et_die "wasm-bindgen not found in Cargo.lock" || return 1
  fi
  # Trunk.toml must name the same version, or Trunk tries (and fails) to download one.
  pinned="$(sed -n 's/^wasm_bindgen *= *"\(.*\)".*/\1/p' Trunk.toml)"
  if [[ "$pinned" != "$want" ]]; then
    _et_die "Trunk.toml pins wasm_bindgen = \"$pinned\" but Cargo.lock has $want: make them equal" || return 1
  fi
  command -v wasm-bindgen >/dev/null 2>&1 && have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')"
  if [[ "$have" == "$want" ]] && command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
    _et_log "ok   wasm-bindgen-cli $have (= Cargo.lock)"
  else
    _et_log "MISSING wasm-bindgen-cli $want (found: ${have:-none}); cold install takes ~2 min"
    # No --locked: the CLI's own lock file pins a crate release crates.io no longer serves.
    _et_install cargo install wasm-bindgen-cli --version "$want"
  fi
}

_et_node() {
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    _et_log "ok   node $(node --version), npm $(npm --version 2>/dev/null)"
  else
    _et_log "MISSING node/npm"
    _et_apt_install nodejs npm
  fi
}

_et_npm_deps() {
  # npm writes node_modules/.package-lock.json on every install: when
  # package-lock.json is newer than it, the installed tree is stale.
  local marker="node_modules/.package-lock.json"
  if [[ -f "$marker" && ! package-lock.json -nt "$marker" ]]; then
    _et_log "ok   node_modules (up to date with package-lock.json)"
  else
    _et_log "MISSING or stale node_modules"
    _et_install npm ci --no-audit --no-fund || return 1
  fi
  # npm's binaryen (wasm-opt $WASM_OPT_VERSION) must win over Debian's older one.
  _et_path_prepend "$PWD/node_modules/.bin"
  if [[ "${ENSURE_DRY_RUN:-0}" != "1" ]]; then
    wasm-opt --version 2>/dev/null | grep -q "$WASM_OPT_VERSION" ||
      _et_die "wasm-opt on PATH is not $WASM_OPT_VERSION: $(command -v wasm-opt || echo none)" || return 1
  fi
}

_et_chromium() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  if ((${#missing[@]} == 0)); then
    _et_log "ok   chromium, chromedriver"
  else
    _et_log "MISSING Debian packages: ${missing[*]}"
    _et_apt_install "${missing[@]}"
  fi
}

# --- entry point -----------------------------------------------------------------

# ensure_tools [all|build]
#   build: what ./run needs (wasm target, trunk, wasm-bindgen-cli, npm deps)
#   all:   the above plus rustfmt/clippy and Chromium + ChromeDriver (./test)
# Must be called from the repository root. Exports PATH.
ensure_tools() {
  local mode="${1:-all}"
  case "$mode" in
    all | build) ;;
    *) _et_die "usage: ensure_tools [all|build]" || return 1 ;;
  esac
  [[ "${ENSURE_DRY_RUN:-0}" == "1" ]] && _et_log "dry run: nothing will be installed"

  _et_rust || return 1
  [[ "$mode" == "all" ]] && { _et_components || return 1; }
  _et_wasm_target || return 1
  _et_trunk || return 1
  _et_wasm_bindgen || return 1
  _et_node || return 1
  _et_npm_deps || return 1
  [[ "$mode" == "all" ]] && { _et_chromium || return 1; }
  export PATH
  return 0
}

# Run directly (not sourced): check/install, from the repository root.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  ensure_tools "${1:-all}"
fi
