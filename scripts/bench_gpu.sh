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
# TileLang and its nvcc arrive over three calls (.whl-tl1..3, see fetch_gpu_wheels.sh): keep each outside the
# checkout while the machine stays warm, and install them once all three are here
tl=/tmp/zoo-bench-tl
for part in .whl-tl1 .whl-tl2 .whl-tl3; do
  if [ -d "$part" ]; then mkdir -p "$tl/$part" && cp -n "$part"/*.whl "$tl/$part/"; fi
done
if [ -d "$tl/.whl-tl1" ] && [ -d "$tl/.whl-tl2" ] && [ -d "$tl/.whl-tl3" ]; then
  if [ ! -d "$tl/site/tilelang" ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$tl/site" "$tl"/.whl-tl*/*.whl
  fi
  export PYTHONPATH="$tl/site${PYTHONPATH:+:$PYTHONPATH}" PATH="$PATH:$(ls -d "$tl"/site/nvidia/cu*/bin 2>/dev/null | head -1)"
  echo "TileLang installed: fla's Hopper backward uses it where Triton is refused"
fi
export PYTHONPATH="$site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
exec python3 -m zoo.bench "$@"
