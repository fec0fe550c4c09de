"""The Python side of live runs: what the browser's worker (worker.js) runs in Pyodide for every run.

The build ships this file together with the kernels_wasm sources in one JSON file
(``assets/data/live/python.json``, see zoo/sitegen/live.py). The worker writes them into Pyodide's file
system, imports this module and calls :func:`run` for every run. The same file runs in CPython in the tests.
"""

import ast
import json
import time
from pathlib import Path

import numpy as np

from kernels_wasm import api

KERNELS = Path(api.__file__).parent
ARRAYS = ("A", "o", "states", "state_norm")
_files: dict[str, list[str]] = {}


def files(module: str) -> list[str]:
    """The files a run executes: api.py, the model's module and the siblings it imports (relative imports).

    Parsed once per module: the sources do not change while the worker lives.
    """
    if module not in _files:
        seen, todo = ["api.py"], [module + ".py"]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.append(name)
            tree = ast.parse((KERNELS / name).read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.level == 1:
                    if node.module:
                        todo.append(node.module + ".py")
                    else:
                        todo.extend(alias.name + ".py" for alias in node.names)
        _files[module] = seen
    return _files[module]


def run(args_json: str):
    """One live run: ``{"module", "T", "d", "seed", "params"}`` as JSON (so ints stay ints, as in CPython).

    Returns (arrays as float64 or None, checksum, milliseconds spent in simulate, the files it executed).
    """
    args = json.loads(args_json)
    t0 = time.perf_counter()
    r = api.simulate(args["module"], T=args["T"], d=args["d"], seed=args["seed"], **args["params"])
    ms = (time.perf_counter() - t0) * 1000
    arrays = {
        key: None if r.get(key) is None else np.ascontiguousarray(r[key], dtype=np.float64) for key in ARRAYS
    }
    return arrays, float(r["checksum"]), ms, files(args["module"])
