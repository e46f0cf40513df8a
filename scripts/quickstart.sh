#!/usr/bin/env bash
# Installs what is missing, builds, and runs coldstart's main jobs on the bundled examples.
# Needs no registry and no cluster: the images are OCI layouts under examples/images and the
# metrics are real series under examples/metrics.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build-only
scripts/build.sh default >/dev/null
cs=build/default/apps/coldstart/coldstart
images=examples/images

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step "$cs" inspect "oci:$images/aigc:v1"
step "$cs" analyze "oci:$images/aigc:v1" "oci:$images/aigc:v2" "oci:$images/aigc:v3" "oci:$images/aigc:v4" "oci:$images/aigc:v5"
step "$cs" analyze --deep "oci:$images/aigc:v5"
step "$cs" bench pull "oci:$images/aigc:v5" --samples 3
step "$cs" ahpa recommend examples/metrics/nyc_taxi.csv --capacity-per-pod 2000 --ready-time 180s --target Deployment/sd-inference
step "$cs" ahpa backtest examples/metrics/nyc_taxi.csv --capacity-per-pod 2000 --ready-time 180s
# prewarm pull: any transport is a source; the cache is a verified OCI layout skopeo/containerd read.
cache="$(mktemp -d)/cache"
trap 'rm -rf "$(dirname "$cache")"' EXIT
step "$cs" prewarm pull "oci:$images/aigc:v5" --cache "$cache"
step "$cs" prewarm files "$images/aigc"
"$cs" -q analyze "oci:$images/aigc:v1" "oci:$images/aigc:v2" "oci:$images/aigc:v3" "oci:$images/aigc:v4" "oci:$images/aigc:v5" \
  --plan-out build/quickstart-plan.json >/dev/null
step "$cs" prewarm manifests --plan build/quickstart-plan.json --image registry.example.com/aigc:v5 --target kruise --bandwidth 100MB/s
step "$cs" bench simulate --image-size 20GB --stable-fraction 0.8 --nodes 1,10,100,1000
