#!/usr/bin/env bash
# Run the MQAR sweep (python -m zoo.recall) on a CUDA machine that has no network.
#
#   bash scripts/recall_gpu.sh --out benchmarks/recall/<gpu>-part1.json [--mixers a,b] [--points ...] [...]
#
# fla travels as wheels in the ignored .whl/ folder (scripts/fetch_gpu_wheels.sh). tilelang, which lets fla
# train the gated delta rule on Hopper (fla #640), and its dependencies may travel in ignored .build/wheels*
# folders over more than one call: each wheel found is installed once into the private folder, never
# into the machine's Python.
set -euo pipefail
site=${ZOO_RECALL_SITE:-/tmp/zoo-recall-site}
mkdir -p "$site/.installed"
# One pip call for every wheel not installed yet: pip --target --upgrade replaces a top-level folder that an
# earlier call put there, and fla_core and flash_linear_attention both ship `fla/` (one call apiece left fla
# without fla.ops). A folder of a later call (tilelang's second part) holds other packages.
new=()
for wheel in .whl/fla_core-*.whl .whl/flash_linear_attention-*.whl .whl/mamba_ssm-*.whl \
  .whl/tilelang-*.whl .whl/apache_tvm_ffi-*.whl .whl/torch_c_dlpack_ext-*.whl .whl/z3_solver-*.whl \
  .build/wheels*/*.whl; do
  if [ -e "$wheel" ] && [ ! -e "$site/.installed/$(basename "$wheel")" ]; then new+=("$wheel"); fi
done
if [ ${#new[@]} -gt 0 ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" "${new[@]}"
  for wheel in "${new[@]}"; do touch "$site/.installed/$(basename "$wheel")"; done
fi
export PYTHONPATH="$site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
# Triton's compile cache is shared by the workers: the first to compile a kernel saves it for the others
export TRITON_CACHE_DIR=${TRITON_CACHE_DIR:-/tmp/zoo-recall-triton}
# and so are fla's autotuning results (Triton keeps them beside the compiled kernels when asked): the
# workers of one mixer train the same shapes, and a mixer's first trial, compiling and benchmarking every
# config on a GPU that 16 processes share, took 420 s against 45 s for its next (linear attention, H100).
# A training needs a config that works, not the fastest one, so a config ranked under that load is fine.
export TRITON_CACHE_AUTOTUNING=${TRITON_CACHE_AUTOTUNING:-1}
exec python3 -m zoo.recall "$@"
