"""Command line of the MQAR harness.

    python -m zoo.recall --out benchmarks/recall/part1.json [--mixers a,b] [--points 256:128:16,...]
        [--lrs 1e-3,...] [--steps 1000] [--batch 128] [--jobs 8] [--split 2] [--budget 520]
        [--missing-from benchmarks/recall/part1.json] [--backend fake]
    python -m zoo.recall merge part1.json part2.json --out benchmarks/recall/h100.json   (adds state sizes)
    python -m zoo.recall validate benchmarks/recall/*.json
    python -m zoo.recall summary benchmarks/recall/h100.json
    python -m zoo.recall list

Only a run with the torch backend needs a CUDA machine (torch and fla are imported inside its workers).
"""

import sys

from .cli import main

sys.exit(main(sys.argv[1:]))
