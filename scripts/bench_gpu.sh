#!/usr/bin/env bash
# Run the GPU benchmark harness on a CUDA machine that has no network.
#
#   bash scripts/bench_gpu.sh --out benchmarks/<gpu>-<date>.json [--models a,b] [--lengths ...] [...]
#
# The kernel packages travel as wheels in the ignored .whl/ folder (scripts/fetch_gpu_wheels.sh fetches
# them, and builds the mamba_ssm one). They are installed once into a private folder, never into the
# machine's Python, and every argument goes to `python -m zoo.bench` unchanged.
set -euo pipefail
site=${ZOO_BENCH_SITE:-/tmp/zoo-bench-site}
if [ ! -d "$site/fla" ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" .whl/*.whl
fi
export PYTHONPATH="$site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
# the autotuner benchmarks each config briefly (the harness's own timings are unaffected: worker.py)
export ZOO_BENCH_FAST_AUTOTUNE=${ZOO_BENCH_FAST_AUTOTUNE:-1}
export PYTHONUNBUFFERED=1
exec python3 -m zoo.bench "$@"
