#!/usr/bin/env bash
# Replaces the vendored Chart.js with VERSION from the npm registry.
set -euo pipefail
version="${1:?usage: update.sh VERSION (e.g. 4.6.2)}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "chart.js@$version" >/dev/null && tar xzf chart.js-*.tgz)
cp "$tmp/package/dist/chart.umd.min.js" "$here/chart.umd.min.js"
cp "$tmp/package/LICENSE.md" "$here/LICENSE.md"
sed -i "s/Chart.js [0-9.]*'s UMD build/Chart.js $version's UMD build/; s/chart.js@[0-9.]*/chart.js@$version/" \
  "$here/README.md"
echo "vendored Chart.js $version"
