"""Command line of the GPU benchmark harness.

    python -m zoo.bench --out benchmarks/h100-2026-12-06.json [--models a,b] [--lengths 512,...]
        [--head-dims 128,64] [--warm-jobs 6 [--warm-split 4]] [--missing-from benchmarks/h200-2026-12-02.json]
    python -m zoo.bench merge part1.json part2.json --out benchmarks/h100-2026-12-06.json
    python -m zoo.bench validate benchmarks/*.json
    python -m zoo.bench summary benchmarks/h100-2026-12-06.json

Only `run` needs a CUDA machine (torch, triton and the kernel packages are imported inside its workers).
"""

import sys

from .cli import main

sys.exit(main(sys.argv[1:]))
