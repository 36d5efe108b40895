#!/usr/bin/env bash
# Build the tools module (the `crashcourse-tools` binary: Learn, Quiz, modelling notes,
# crash matrix, compare, code samples, export, and their styles, assets/tools.css) into
# Trunk's staging directory, and write its directory into the page's
# <meta name="crashcourse-tools">. Trunk runs this as a post_build hook
# (Trunk.toml), after it built the simulator module, so `./run`, `./test` and
# `trunk serve` all get it; the simulator imports it on first need (src/ui/bridge.rs).
#
# Same tools as Trunk's own pipeline: cargo, wasm-bindgen (the Cargo.lock version, from
# scripts/ensure-tools.sh) and, for release builds, wasm-opt -Oz (npm's binaryen).
set -euo pipefail

staging="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook (see Trunk.toml)}"
profile="${TRUNK_PROFILE:-debug}"
cd "${TRUNK_SOURCE_DIR:-$(dirname "$0")/..}"

flags=()
if [ "$profile" = release ]; then flags=(--release); fi
cargo build "${flags[@]}" --target wasm32-unknown-unknown --bin crashcourse-tools

target_dir="${CARGO_TARGET_DIR:-target}"
wasm="$target_dir/wasm32-unknown-unknown/$profile/crashcourse-tools.wasm"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name tools "$wasm"
if [ "$profile" = release ]; then
  wasm-opt -Oz "$out/tools_bg.wasm" -o "$out/tools_bg.wasm"
fi

cp assets/tools.css "$out/tools.css"

# A content hash in the directory name: a new build never meets a stale cached copy.
hash=$(cat "$out/tools.js" "$out/tools_bg.wasm" "$out/tools.css" | sha256sum | cut -c1-16)
dir="tools-$hash"
rm -rf "$staging"/tools-*
mkdir -p "$staging/$dir"
cp -r "$out"/. "$staging/$dir/"
sed -i "s|TOOLS_MODULE|$dir/|" "$staging/index.html"
grep -q "$dir/" "$staging/index.html" || {
  echo "build-tools.sh: no TOOLS_MODULE placeholder in $staging/index.html" >&2
  exit 1
}
echo "build-tools.sh: $dir ($(wc -c < "$out/tools_bg.wasm") bytes of wasm)"
