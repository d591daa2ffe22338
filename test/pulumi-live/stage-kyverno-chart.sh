#!/usr/bin/env bash
# Stages the Kyverno Helm chart as a local chart directory, from the Go module cache only (the
# upstream Helm repositories cannot be reached here): what `helm pull kyverno/kyverno --version
# 3.9.0` would give, assembled from the modules tools/kyverno/go.mod pins.
#   charts/kyverno                from github.com/kyverno/kyverno (its crds and grafana subcharts are local)
#   charts/kyverno/charts/kyverno-api   from github.com/kyverno/api (policies.kyverno.io CRDs)
#   charts/kyverno/charts/openreports   from github.com/openreports/reports-api
# The reports-server subchart is not served by the Go module proxy; it is only installed when
# `reportsServer.enabled` is true (the bundle's values leave it off), so it is dropped from the
# staged Chart.yaml's dependencies, and the staging says so.
#
# Usage: test/pulumi-live/stage-kyverno-chart.sh OUT_DIR   (prints the chart directory)
set -euo pipefail

OUT="${1:?usage: stage-kyverno-chart.sh OUT_DIR}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MOD="$(cd "$HERE/../../tools/kyverno" && pwd)"

module_dir() { # module path -> its directory in the module cache, at the version tools/kyverno pins
  local version
  version="$(cd "$MOD" && go list -m -f '{{.Version}}' "$1")"
  (cd "$MOD" && go mod download -json "$1@$version") | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'
}

kyverno="$(module_dir github.com/kyverno/kyverno)"
api="$(module_dir github.com/kyverno/api)"
reports="$(module_dir github.com/openreports/reports-api)"
for dir in "$kyverno/charts/kyverno" "$api/charts/kyverno-api" "$reports/charts/openreports"; do
  [ -f "$dir/Chart.yaml" ] || { echo "stage-kyverno-chart: no chart in $dir" >&2; exit 1; }
done

chart="$OUT/kyverno"
rm -rf "$chart"
mkdir -p "$OUT"
cp -R "$kyverno/charts/kyverno" "$chart"
cp -R "$api/charts/kyverno-api" "$chart/charts/kyverno-api"
cp -R "$reports/charts/openreports" "$chart/charts/openreports"
chmod -R u+w "$chart"
# Drop the one dependency that cannot be obtained (and the lock that lists it).
awk '
  /^dependencies:/ { deps = 1; print; next }
  deps && /^  - name: / { skip = ($3 == "reports-server") }
  deps && /^[^ ]/ { deps = 0; skip = 0 }
  !skip { print }
' "$kyverno/charts/kyverno/Chart.yaml" >"$chart/Chart.yaml"
rm -f "$chart/Chart.lock"
if grep -q 'name: reports-server' "$chart/Chart.yaml"; then
  echo "stage-kyverno-chart: could not drop reports-server from Chart.yaml" >&2
  exit 1
fi
echo "stage-kyverno-chart: $(sed -n 's/^version: \([^ ]*\).*/\1/p' "$chart/Chart.yaml") from the Go module cache; reports-server subchart dropped (not served by the Go module proxy; disabled by the bundle's values)" >&2
echo "$chart"
