#!/usr/bin/env bash
# Builds the release archive for x86_64 Linux (glibc): the binary, its shell completions and
# man page (written by the built binary itself, from its command-line definition), the example
# config, README, LICENSE, CHANGELOG and docs, as
#   <out>/handoff-<version>-x86_64-unknown-linux-gnu.tar.gz  and  <out>/….tar.gz.sha256
# Usage: scripts/package.sh [OUT_DIR]   (default target/dist). The archive's path is the last
# line printed. .ci/archive-check unpacks and tries it; docs/install.md says how to install it.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "package: $*" >&2
  exit 1
}

target=x86_64-unknown-linux-gnu
host=$(rustc -vV | sed -n 's/^host: //p')
[[ $host == "$target" ]] ||
  fail "this builds the $target archive, but this machine's Rust host is '$host'; elsewhere install with: cargo install --locked --path ."

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
[[ -n $version ]] || fail "no version = \"…\" line in Cargo.toml"
out=${1:-target/dist}
name=handoff-$version-$target

cargo build --release --locked --bin handoff
bin=target/release/handoff

# What the binary says about itself must be this version: a stale or foreign binary would
# otherwise be packed under this name.
said=$("$bin" --version) || fail "$bin --version failed"
[[ $said == "handoff $version ("* ]] || fail "$bin --version says '$said', expected handoff $version (…)"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dir=$stage/$name
mkdir -p "$dir/completions" "$dir/man" "$dir/docs"

# Written by the binary being packed, so they match it. A binary without these subcommands
# cannot make a complete archive: stop, naming the command that failed.
generate() {
  local file=$1
  shift
  "$bin" "$@" >"$file" 2>"$stage/error" ||
    fail "'handoff $*' failed (does this handoff have the \`$1\` subcommand?): $(head -c 500 "$stage/error")"
  [[ -s $file ]] || fail "'handoff $*' printed nothing"
}
generate "$dir/completions/handoff.bash" completions bash
generate "$dir/completions/_handoff" completions zsh
generate "$dir/completions/handoff.fish" completions fish
generate "$dir/completions/_handoff.ps1" completions powershell
generate "$dir/completions/handoff.elv" completions elvish
generate "$dir/man/handoff.1" man

install -m 0755 "$bin" "$dir/handoff"
install -m 0644 config.example.toml README.md LICENSE CHANGELOG.md "$dir/"
install -m 0644 docs/*.md "$dir/docs/"

# The same sources give the same archive: sorted names, no owner, the commit's time.
mtime=$(git log -1 --format=%cI 2>/dev/null || echo "2026-01-01T00:00:00Z")
mkdir -p "$out"
archive=$out/$name.tar.gz
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" \
  -C "$stage" -cf - "$name" | gzip -9n >"$archive"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")

ls -l "$archive" "$archive.sha256" >&2
echo "$archive"
