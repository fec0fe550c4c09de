#!/usr/bin/env bash
# Fetch the GPU kernel packages as wheels into .whl/ (ignored by git), for a CUDA machine without network.
#
#   bash scripts/fetch_gpu_wheels.sh        # then carry .whl/ to the GPU machine: scripts/bench_gpu.sh
#   bash scripts/fetch_gpu_wheels.sh tilelang   # also TileLang and nvcc, split in .whl-tl1/ .whl-tl2/ .whl-tl3/
#
# TileLang lets fla run the gated backward (Gated DeltaNet, DeltaProduct, Comba) on Hopper with Triton 3.6,
# where fla refuses its Triton kernel (wrong results with Triton 3.4 to 3.7.0); TileLang compiles with nvcc,
# which the benchmark image lacks, so the nvcc wheel comes too. The three folders stay under the 64 MiB that
# one GPU call can carry; scripts/gpu_packages.sh keeps each one it is given until all three have arrived.
#
# Pure-Python (Triton) wheels come straight from the package index. mamba_ssm publishes only a source
# archive whose setup.py imports torch even to write its metadata, so its wheel is built here against a
# stub torch with the CUDA extension switched off: the Triton SSD and Mamba-3 kernels need no compiled code.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.whl
mkdir -p "$dest"
platforms=()
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64; do
  platforms+=(--platform "$p")
done
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  "${platforms[@]}" -d "$dest" \
  flash-linear-attention==0.6.0 fla-core==0.6.0 mlstm_kernels==2.0.6 accelerated-scan==0.3.1

if ! ls "$dest"/mamba_ssm-2.3.2.post1-*.whl >/dev/null 2>&1; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q wheel "setuptools<80" packaging
  stub="$work/stubtorch/torch"
  mkdir -p "$stub/utils"
  printf '__version__ = "2.11.0"\nclass version:\n    hip = None\n    cuda = "13.0"\n' >"$stub/__init__.py"
  touch "$stub/utils/__init__.py"
  printf 'BuildExtension = object\ndef CUDAExtension(*a, **k):\n    return None\nCUDA_HOME = None\nHIP_HOME = None\n' \
    >"$stub/utils/cpp_extension.py"
  export PYTHONPATH="$work/stubtorch" MAMBA_SKIP_CUDA_BUILD=TRUE MAMBA_FORCE_BUILD=TRUE
  "$work/venv/bin/pip" download -q --no-deps --no-binary=:all: --no-build-isolation -d "$work/src" \
    mamba-ssm==2.3.2.post1
  tar xzf "$work"/src/mamba_ssm-2.3.2.post1.tar.gz -C "$work"
  "$work/venv/bin/pip" wheel -q --no-deps --no-build-isolation -w "$dest" "$work/mamba_ssm-2.3.2.post1"
fi
if [ "${1:-}" = tilelang ]; then
  get() { python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    "${platforms[@]}" -d "$1" "${@:2}"; }
  get .whl-tl1 tilelang==0.1.15 apache-tvm-ffi==0.1.12 torch-c-dlpack-ext==0.1.5 nvidia-cuda-cccl==13.3.5.0.6 \
    ml-dtypes==0.7.0 cloudpickle==3.1.3 psutil tqdm
  get .whl-tl2 nvidia-cuda-nvcc==13.5.37
  get .whl-tl3 z3-solver==4.15.4.0
  du -sh .whl-tl1 .whl-tl2 .whl-tl3
fi
ls -l "$dest"
