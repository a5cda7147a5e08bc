#!/usr/bin/env bash
# Runs every benchmarks/bench_*.py family on every backend (one process each), then the report.
# Extra arguments go to every family: --smoke (a quick pass), --sizes 64 256, --profile scaling (64 to
# 2048 per side; meant for a GPU), --device gpu (stop unless the backend sees one). E.g.
#   BACKENDS="jax torch" bash benchmarks/run_all.sh --profile scaling --device gpu
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
BACKENDS=${BACKENDS:-"tensorflow jax torch"}
OUT=benchmarks/results
mkdir -p "$OUT"
export TF_CPP_MIN_LOG_LEVEL=3
for family in benchmarks/bench_*.py; do
  name=$(basename "$family" .py)
  for backend in $BACKENDS; do
    echo "=== $name on $backend ==="
    KERAS_BACKEND=$backend "$PY" -m "benchmarks.$name" --json "$OUT/$name-$backend.json" "$@" \
      2> >(grep -vE '^(WARNING|I0000|W0000|To enable)' >&2)
  done
done
# The distance metrics (EDT against scipy, HD95 against MONAI; forward only), each backend, 2D
# sides to 512 (1024 and the 3D shape take minutes per call on a CPU: run those by hand, see
# benchmarks/README.md).
for backend in $BACKENDS; do
  echo "=== bench_distance --metrics on $backend ==="
  KERAS_BACKEND=$backend "$PY" -m benchmarks.bench_distance --metrics --repeats 3 --sides 64 128 256 512 \
    --no-volumes --json "$OUT/distance_metrics-$backend.json" "$@" \
    2> >(grep -vE '^(WARNING|I0000|W0000|To enable)' >&2)
done
"$PY" -m benchmarks.report "$OUT"
