# Sourced by scripts/bench_gpu.sh and scripts/recall_gpu.sh on a CUDA machine that has no network: installs the
# kernel packages that travel as wheels and puts them on PYTHONPATH, never into the machine's Python.
#
# .whl/ (scripts/fetch_gpu_wheels.sh): fla, fla-core, mamba_ssm, mlstm_kernels, accelerated_scan. One pip call
# for all of them: pip --target --upgrade replaces a top-level folder an earlier call put there, and fla_core and
# flash_linear_attention both ship `fla/` (one call apiece left fla without fla.ops).
#
# .whl-tl1/ .whl-tl2/ .whl-tl3/ (fetch_gpu_wheels.sh tilelang): TileLang and the nvcc it compiles with, which let
# fla run the gated backward on Hopper where it refuses its Triton kernel (fla #640). Together they are more
# than one call can carry, so each part is kept outside the checkout as it arrives (the folder lives while the
# machine stays warm) and TileLang is installed once all three are there.
gpu_site=${ZOO_GPU_SITE:-/tmp/zoo-gpu-site}
if [ ! -d "$gpu_site/fla/ops" ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$gpu_site" .whl/*.whl
fi
gpu_tl=/tmp/zoo-gpu-tl
for part in .whl-tl1 .whl-tl2 .whl-tl3; do
  [ -d "$part" ] || continue
  mkdir -p "$gpu_tl/$part"
  for wheel in "$part"/*.whl; do  # a part that arrived in an earlier call is kept as it is
    [ -e "$gpu_tl/$wheel" ] || cp "$wheel" "$gpu_tl/$part/"
  done
done
# The nvcc wheel's ptxas (13.5) stands alone: take it out at once, for TRITON_PTXAS_PATH (see recall_gpu.sh).
if [ -d "$gpu_tl/.whl-tl2" ] && [ ! -x "$gpu_tl/ptxas" ]; then
  python3 -c 'import glob, os, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/.whl-tl2/nvidia_cuda_nvcc-*.whl")[0]
with open(sys.argv[1] + "/ptxas", "wb") as out:
    out.write(zipfile.ZipFile(wheel).read("nvidia/cu13/bin/ptxas"))
os.chmod(sys.argv[1] + "/ptxas", 0o755)' "$gpu_tl"
  echo "ptxas $("$gpu_tl/ptxas" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p') is at $gpu_tl/ptxas"
fi
if [ -d "$gpu_tl/.whl-tl1" ] && [ -d "$gpu_tl/.whl-tl2" ] && [ -d "$gpu_tl/.whl-tl3" ]; then
  if [ ! -d "$gpu_tl/site/tilelang" ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$gpu_tl/site" \
      "$gpu_tl"/.whl-tl*/*.whl
  fi
  PYTHONPATH="$gpu_tl/site${PYTHONPATH:+:$PYTHONPATH}"
  PATH="$PATH:$(ls -d "$gpu_tl"/site/nvidia/cu*/bin 2>/dev/null | head -1 || true)"
  echo "TileLang installed: fla's Hopper backward uses it where Triton is refused"
elif [ -d "$gpu_tl" ]; then
  echo "TileLang not installed yet: of .whl-tl1..3 this machine has $(cd "$gpu_tl" && echo .whl-tl*)"
fi
export PYTHONPATH="$gpu_site:$PWD${PYTHONPATH:+:$PYTHONPATH}" PATH
export PYTHONUNBUFFERED=1
