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
# What a run sends the page: the slices the panel draws, not the whole run. A: the mixing matrix (T, T n), of
# one value channel for per-channel models; state: the state after one step t; o and the state norms whole.
# At T = 128, d = 32 that is about 60 KB instead of up to 9 MB (32 channels of A, every step's state), and a
# redraw's cost is the model, not the copy. Kernels with a compact form of A (SSMs, Hyena) do not even
# build the whole A: only the shown channel's slice, and another when the reader moves the channel slider.
ARRAYS = ("A", "state", "o", "state_norm")
_last: dict = {}  # the last run's full result, for view()
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


def _mixing(channel: int):
    """Channel ``channel`` (1-based, clipped) of the last run's A: sliced off the whole A, or built from the
    kernel's compact form when the run did not build the whole A (see api.simulate)."""
    A, compact, channels = _last["A"], _last["compact"], _last["channels"]
    if not channels:
        return A
    c = min(max(channel, 1), channels) - 1
    if compact is None:
        return A[c]
    if c != _last["A_channel"]:
        _last.update(A=_last["module"].mixing_slice(compact, c), A_channel=c)
    return _last["A"]


def _slices(channel: int, t: int) -> dict:
    """The last run's arrays as drawn: channel ``channel`` of A and the state after step ``t`` (both 1-based,
    clipped to the run's sizes)."""
    S = _last["states"]
    return {
        "A": _mixing(channel),
        "state": None if S is None else S[min(max(t, 1), S.shape[0]) - 1],
        "o": _last["o"],
        "state_norm": _last["state_norm"],
    }


def _arrays(slices: dict) -> dict:
    return {k: None if v is None else np.ascontiguousarray(v, dtype=np.float64) for k, v in slices.items()}


def run(args_json: str, channel: int, t: int):
    """One live run: ``{"module", "T", "d", "seed", "params"}`` as JSON (so ints stay ints, as in CPython);
    ``channel`` and ``t`` say which slices to send (see ARRAYS).

    Returns (arrays as float64 or None, checksum, milliseconds spent in simulate, the files it executed,
    {"channels": value channels with their own A (0: one A for all), "steps": T, "state_shape": [...]}).
    The checksum is api.simulate's, as in CPython; kernels with a compact form of A build only the shown
    channel's slice (api.simulate's ``channel``).
    """
    args = json.loads(args_json)
    t0 = time.perf_counter()
    shown = max(channel, 1) - 1  # 0-based, as api.simulate takes it
    r = api.simulate(args["module"], T=args["T"], d=args["d"], seed=args["seed"],
                     channel=shown, **args["params"])
    ms = (time.perf_counter() - t0) * 1000
    A, S, compact = np.asarray(r["A"]), r["states"], r["compact"]
    _last.update(A=A, states=S, o=r["o"], state_norm=r["state_norm"], compact=compact, channels=r["channels"],
                 module=api.load(args["module"]), A_channel=min(max(channel, 1), r["channels"]) - 1)
    shape = {
        "channels": r["channels"],
        "steps": A.shape[-2],
        "state_shape": None if S is None else list(S.shape[1:]),
    }
    return _arrays(_slices(channel, t)), float(r["checksum"]), ms, files(args["module"]), shape


def view(channel: int, t: int):
    """Other slices of the last run (the reader moved the step or channel slider): no new run."""
    return _arrays(_slices(channel, t))
