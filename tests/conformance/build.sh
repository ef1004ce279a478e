#!/bin/sh
# Builds the OCI runtime-tools v0.9.0 validation suite into a cache dir:
#   $CACHE/bin/<name>           one TAP-emitting program per validation test
#   $CACHE/bin/runtimetest      copied by the tests into every bundle
#   $CACHE/bin/rootfs-amd64.tar.gz
# The tests look for runtimetest and the rootfs tarball in their working
# directory, so run them with cwd=$CACHE/bin.
#
# Usage: build.sh [CACHE]   (default: $CONFORMANCE_CACHE or tests/conformance/.cache)
# Rebuilds only when this script, go.mod.in, restore_nofile.go.in or the Go
# version changed.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${1:-${CONFORMANCE_CACHE:-$HERE/.cache}}
SUITE=github.com/opencontainers/runtime-tools@v0.9.0

# The suite is its own module: nothing from the brig module's environment.
unset GOFLAGS GOWORK
export GOWORK=off

mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

# Cache key: the inputs of this build plus the toolchain.
key=$( (cat "$HERE/build.sh" "$HERE/go.mod.in" "$HERE/restore_nofile.go.in"; go version) | sha256sum | cut -d' ' -f1)
if [ -f "$CACHE/bin/.stamp" ] && [ "$(cat "$CACHE/bin/.stamp")" = "$key" ]; then
	exit 0
fi

echo "conformance: building $SUITE in $CACHE" >&2

dir=$(go mod download -json "$SUITE" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
	echo "conformance: go mod download $SUITE gave no source dir" >&2
	exit 1
fi

src=$CACHE/src
rm -rf "${src:?}" "${CACHE:?}/bin"
mkdir -p "$src" "$CACHE/bin"
# The module cache is read-only; work on a writable copy. Its Godeps/ and
# vendor-less layout predate modules: a generated go.mod replaces them.
cp -R "$dir"/. "$src"/
chmod -R u+w "$src"
cp "$HERE/go.mod.in" "$src/go.mod"
cp "$HERE/restore_nofile.go.in" "$src/cmd/runtimetest/zz_restore_nofile.go"

cd "$src"
# -mod=mod: resolve the transitive requirements and write go.sum here only.
export GOFLAGS=-mod=mod
go mod download
CGO_ENABLED=0 go build -trimpath -ldflags=-checklinkname=0 -o "$CACHE/bin/runtimetest" ./cmd/runtimetest
# Every validation/<name>/<name>.go is a main package; util is the library.
pkgs=$(cd validation && for d in */; do d=${d%/}; if [ -f "$d/$d.go" ]; then echo "./validation/$d"; fi; done)
# shellcheck disable=SC2086 # word splitting of the package list is intended
go build -trimpath -o "$CACHE/bin/" $pkgs
# The tests run `tar -xf rootfs-amd64.tar.gz` (validation/util/test.go:133).
# busybox tar does not detect gzip by itself; GNU tar reads a plain tar under
# any name: store it uncompressed, under the name the suite expects.
gzip -dc rootfs-amd64.tar.gz >"$CACHE/bin/rootfs-amd64.tar.gz"

echo "$key" >"$CACHE/bin/.stamp"
echo "conformance: built $(echo "$pkgs" | wc -l) tests" >&2
