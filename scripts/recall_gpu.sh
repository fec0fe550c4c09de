#!/usr/bin/env bash
# Run the MQAR sweep (python -m zoo.recall) on a CUDA machine that has no network.
#
#   bash scripts/recall_gpu.sh --out benchmarks/recall/<gpu>-part1.json [--mixers a,b] [--points ...] [...]
#
# The layer packages travel as wheels (scripts/fetch_gpu_wheels.sh); scripts/gpu_packages.sh installs them into
# a private folder, and TileLang too once its three parts have arrived (fla trains the gated delta rule on
# Hopper only with it, fla #640). Every argument goes to `python -m zoo.recall` unchanged.
#
# fla's gated layers (GLA, HGRN2, FoX) never left chance on an H100 with the ptxas 12.8 that Triton 3.6 bundles,
# which assembles some of fla's Hopper backward kernels wrong (fla #1262: right from 13.1). Triton takes another
# from TRITON_PTXAS_PATH, e.g. the nvcc wheel's (13.5), which gpu_packages.sh takes out of .whl-tl2:
#   TRITON_PTXAS_PATH=/tmp/zoo-gpu-tl/ptxas bash scripts/recall_gpu.sh ...
# Each run records the ptxas release it used (provenance.packages.ptxas); the gradient check decides.
set -euo pipefail
source "$(dirname "$0")/gpu_packages.sh"
# Triton's compile cache is shared by the workers: the first to compile a kernel saves it for the others
export TRITON_CACHE_DIR=${TRITON_CACHE_DIR:-/tmp/zoo-recall-triton}
# and so are fla's autotuning results (Triton keeps them beside the compiled kernels when asked): the
# workers of one mixer train the same shapes, and a mixer's first trial, compiling and benchmarking every
# config on a GPU that 16 processes share, took 420 s against 45 s for its next (linear attention, H100).
# A training needs a config that works, not the fastest one, so a config ranked under that load is fine; the
# workers go further and compile each kernel's configs only until one runs (zoo/recall/autotune.py).
export TRITON_CACHE_AUTOTUNING=${TRITON_CACHE_AUTOTUNING:-1}
exec python3 -m zoo.recall "$@"
