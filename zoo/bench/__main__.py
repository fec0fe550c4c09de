"""Command line of the GPU benchmark harness.

    python -m zoo.bench --out benchmarks/h100-2026-12-06.json [--models a,b] [--lengths 512,...]
        [--head-dims 128,64] [--warm-jobs 6 [--warm-split 4]] [--missing-from benchmarks/h200-2026-12-02.json]
        [--fast-autotune]
    python -m zoo.bench merge part1.json part2.json --out benchmarks/h100-2026-12-06.json
    python -m zoo.bench validate benchmarks/*.json
    python -m zoo.bench summary benchmarks/h100-2026-12-06.json

The time-limit workarounds are flags, recorded in each run's command: --warm-jobs/--warm-split compile and
autotune in parallel processes before the timing pass, --fast-autotune shortens Triton's autotuning
benchmarks (worker.fast_autotune says how).

Only `run` needs a CUDA machine (torch, triton and the kernel packages are imported inside its workers).
"""

import sys

from .cli import main

sys.exit(main(sys.argv[1:]))
