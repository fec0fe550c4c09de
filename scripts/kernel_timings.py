"""Print how long every kernels_wasm model takes in CPython: recurrent vs chunked vs parallel.

    .venv/bin/python scripts/kernel_timings.py [--d 32] [--lengths 256 1024] [--cap 3.0] [--only fox mlstm]

Every module in kernels_wasm/ (files not starting with '_' and other than api.py) is run on its own seeded
inputs at d = 32, for each form it has. A form is timed at T = 64 first; a longer run whose time, scaled up
as T^2 from the last measured length, would exceed --cap seconds is skipped and marked with its estimate,
so no single run takes more than a few seconds. Times are the best of 1-3 runs (fewer for slow forms), with
one BLAS thread unless OPENBLAS_NUM_THREADS says otherwise.
"""

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

# One BLAS thread, like the browser's Pyodide (and oversubscribed threads make shared machines far slower).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (after the thread settings, which numpy reads at import)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FORMS = ("recurrent", "chunked", "parallel")


def modules() -> list[str]:
    return sorted(
        p.stem for p in (ROOT / "kernels_wasm").glob("*.py") if not p.stem.startswith("_") and p.stem != "api"
    )


def best_time(fn, budget: float) -> float:
    """Best wall time of up to 3 calls, stopping early once the calls have used `budget` seconds."""
    best, spent = np.inf, 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best, spent = min(best, dt), spent + dt
        if spent > budget:
            break
    return best


def time_module(name: str, d: int, lengths: list[int], cap: float) -> dict:
    mod = importlib.import_module(f"kernels_wasm.{name}")
    rows = {}
    for form in FORMS:
        fn = getattr(mod, form, None)
        if fn is None:
            continue
        cells, last = {}, None  # last = (T, seconds) of the longest measured run
        for T in [64, *lengths]:
            x = mod.inputs(T, d, np.random.default_rng(0))
            if last is not None:
                estimate = last[1] * (T / last[0]) ** 2
                if estimate > cap:
                    cells[T] = f"skip (~{estimate:.0f} s)"
                    continue
            seconds = best_time(lambda fn=fn, x=x: fn(**x), budget=cap / 3)
            last = (T, seconds)
            cells[T] = f"{seconds * 1e3:.1f} ms"
        rows[form] = cells
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--d", type=int, default=32)
    ap.add_argument("--lengths", type=int, nargs="+", default=[256, 1024])
    ap.add_argument("--cap", type=float, default=3.0, help="seconds; longer runs are skipped")
    ap.add_argument("--only", nargs="*", help="module names to time (default: all)")
    args = ap.parse_args()

    names = args.only or modules()
    head = f"{'module':<22}" + "".join(f"{f + ' T=' + str(T):>24}" for f in FORMS for T in args.lengths)
    threads = os.environ["OPENBLAS_NUM_THREADS"]
    print(f"CPython {sys.version.split()[0]}, numpy {np.__version__}, BLAS threads {threads}, d = {args.d}")
    print(head)
    print("-" * len(head))
    for name in names:
        rows = time_module(name, args.d, args.lengths, args.cap)
        line = f"{name:<22}"
        for form in FORMS:
            for T in args.lengths:
                line += f"{rows.get(form, {}).get(T, '-'):>24}"
        print(line, flush=True)
    print("'-': the model has no such form; 'skip (~N s)': estimated from the shorter run as T^2, not run.")


if __name__ == "__main__":
    main()
