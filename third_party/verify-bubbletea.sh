#!/usr/bin/env bash
# third_party/bubbletea must be upstream charm.land/bubbletea/v2 at $version,
# as the module proxy serves it (its .go files without upstream's tests,
# LICENSE, go.mod, go.sum), with exactly the patch files listed below
# applied in order, and nothing else: README.reviewq.md and the patches are
# the only files of our own. A byte changed by hand, a file added or lost,
# a patch that no longer applies or a patch file not listed fails, and the
# diff says where. Then the renderer's scheduler test (upstream's, which
# on-demand-renderer.patch carries) runs. `make test` runs this.
set -euo pipefail
cd "$(dirname "$0")/.."

version=v2.1.1
patches=(on-demand-renderer.patch frame-buffer-pool.patch)
vendored=third_party/bubbletea
GO=${GO:-go}

listed=$(printf '%s\n' "${patches[@]}" | sort)
present=$(cd "$vendored" && ls -- *.patch | sort)
if [ "$listed" != "$present" ]; then
	echo "verify-bubbletea: $vendored holds the patches" $present "but this script applies" "${patches[@]}" >&2
	exit 1
fi

# Fetched into the module cache when a clean machine does not have it.
upstream=$($GO mod download -json "charm.land/bubbletea/v2@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ ! -d "$upstream" ]; then
	echo "verify-bubbletea: go mod download gave no directory for charm.land/bubbletea/v2@$version" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
expected=$tmp/bubbletea
mkdir "$expected"
for f in "$upstream"/*.go "$upstream"/LICENSE "$upstream"/go.mod "$upstream"/go.sum; do
	case $f in *_test.go) continue ;; esac
	cp "$f" "$expected/"
done
chmod -R u+w "$expected" # the module cache is read-only
for p in "${patches[@]}"; do
	git -C "$expected" apply --whitespace=nowarn "$PWD/$vendored/$p"
done
if ! diff -r -u --exclude='*.patch' --exclude=README.reviewq.md "$expected" "$vendored"; then
	echo "verify-bubbletea: $vendored is not bubbletea $version plus ${patches[*]} (above: what it should be, then what it is)" >&2
	exit 1
fi
echo "verify-bubbletea: $vendored is bubbletea $version plus ${patches[*]}"

(cd "$vendored" && $GO test -race -count=1 .)
