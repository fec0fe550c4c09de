#!/usr/bin/env bash
# Run the GPU benchmark harness on a CUDA machine that has no network.
#
#   bash scripts/bench_gpu.sh --out benchmarks/<gpu>-<date>.json [--models a,b] [--lengths ...] [...]
#
# The kernel packages travel as wheels (scripts/fetch_gpu_wheels.sh fetches them, and builds the mamba_ssm
# one); scripts/gpu_packages.sh installs them into a private folder. Every argument goes to
# `python -m zoo.bench` unchanged.
set -euo pipefail
source "$(dirname "$0")/gpu_packages.sh"
exec python3 -m zoo.bench "$@"
