#!/usr/bin/env bash
# Run the MQAR sweep (python -m zoo.recall) on a CUDA machine that has no network.
#
#   bash scripts/recall_gpu.sh --out benchmarks/recall/<gpu>-part1.json [--mixers a,b] [--points ...] [...]
#
# fla travels as wheels in the ignored .whl/ folder (scripts/fetch_gpu_wheels.sh); tilelang and its
# dependencies too where they were fetched (it lets fla train the gated delta rule
# on Hopper, fla #640). They are installed once into a private folder, never into the machine's Python.
set -euo pipefail
site=${ZOO_RECALL_SITE:-/tmp/zoo-recall-site}
if [ ! -d "$site/fla" ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" \
    .whl/fla_core-*.whl .whl/flash_linear_attention-*.whl
  for extra in .whl/tilelang-*.whl .whl/apache_tvm_ffi-*.whl .whl/z3_solver-*.whl .whl/torch_c_dlpack_ext-*.whl; do
    if [ -e "$extra" ]; then
      python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$site" "$extra"
    fi
  done
fi
export PYTHONPATH="$site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
# Triton's compile cache is shared by the workers: the first to compile a kernel saves it for the others
export TRITON_CACHE_DIR=${TRITON_CACHE_DIR:-/tmp/zoo-recall-triton}
exec python3 -m zoo.recall "$@"
