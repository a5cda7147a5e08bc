#!/usr/bin/env bash
# Runs the whole suite once per Keras backend; fails if any run fails, after running them all.
set -u
PY=${PY:-.venv/bin/python}
BACKENDS=${BACKENDS:-"tensorflow jax torch"}
export TF_CPP_MIN_LOG_LEVEL=3 PYTHONHASHSEED=0
failed=()
for backend in $BACKENDS; do
  echo "=== KERAS_BACKEND=$backend ==="
  start=$(date +%s)
  KERAS_BACKEND=$backend "$PY" -m pytest -q -n 2 --dist loadgroup -p no:cacheprovider tests || failed+=("$backend")
  echo "=== $backend: $(( $(date +%s) - start )) s ==="
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED on backends: ${failed[*]}"
  exit 1
fi
echo "All backends passed: $BACKENDS"
