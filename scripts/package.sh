#!/usr/bin/env bash
# scripts/package.sh: the release files of crashcourse, in target/:
#
#   crashcourse-VERSION-web.tar.gz        the deployable dist/ under crashcourse-VERSION-web/,
#                                         with README.md (docs/hosting.md: hosting it,
#                                         embedding it) and embedding.md (docs/embedding.md)
#   crashcourse-VERSION-standalone.html   the single-file offline copy (scripts/standalone.mjs),
#                                         opening on the default scenario
#
# VERSION is Cargo.toml's. Usage:
#
#   scripts/package.sh              install what is missing, build the release app, package it
#   scripts/package.sh --no-build   package the dist/ already built (./test's package stage)
#
# For a single file that opens on another scenario, run scripts/standalone.mjs yourself
# (`node scripts/standalone.mjs --preset ID --out FILE`; --help lists the options).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build=1
case "${1:-}" in
  "") ;;
  --no-build) build=0 ;;
  -h | --help)
    sed -n '2,16s/^# \{0,1\}//p' "$0"
    exit 0
    ;;
  *)
    echo "package: unknown option $1 (--no-build, --help)" >&2
    exit 2
    ;;
esac

if ((build)); then
  # shellcheck source=scripts/ensure-tools.sh
  source scripts/ensure-tools.sh
  ensure_tools build
  trunk build --release --offline
fi
[[ -f dist/index.html ]] || {
  echo "package: dist/index.html not found: build first (scripts/package.sh without --no-build)" >&2
  exit 1
}

version="$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n 1)"
[[ -n "$version" ]] || {
  echo "package: no version in Cargo.toml" >&2
  exit 1
}
name="crashcourse-$version-web"
out="target/$name.tar.gz"
stage="target/package/$name"

rm -rf "target/package"
mkdir -p "$stage"
cp -R dist "$stage/dist"
{
  printf 'crashcourse %s, web release: `dist/` is the app. This README is docs/hosting.md of the repository.\n\n' "$version"
  cat docs/hosting.md
} >"$stage/README.md"
# Its links, as they are in the archive: hosting.md is README.md, the example is in dist/.
sed -e 's#](hosting\.md)#](README.md)#g' -e 's#](\.\./assets/examples/embed\.html)#](dist/examples/embed.html)#g' \
  docs/embedding.md >"$stage/embedding.md"

# Reproducible where GNU tar is there: sorted names, no owner, the last commit's time.
tar_flags=()
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
  mtime="$(git log -1 --format=%ct 2>/dev/null || date +%s)"
  tar_flags=(--sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime")
fi
tar "${tar_flags[@]}" -C target/package -cf - "$name" | gzip -9n >"$out"
rm -rf "target/package"

kb() { awk -v n="$(wc -c <"$1")" 'BEGIN {printf "%.1f KB", n / 1024}'; }
echo "wrote $out: $(kb "$out") ($(tar -tzf "$out" | grep -vc '/$') files; unpack it and put $name/dist/ on a web server)"

node scripts/standalone.mjs --out "target/crashcourse-$version-standalone.html"
