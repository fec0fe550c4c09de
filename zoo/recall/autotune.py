"""Triton's autotuner in a training worker: the first configuration that runs, not the fastest one.

Why: fla's chunked kernels autotune over tens of configurations each, and every one is compiled before it
is timed; the float32 gradient check and the bf16 training tune each kernel afresh. On an H100 with 14
workers compiling at once, GLA, RetNet, linear attention, HGRN2, RWKV-6, RWKV-7, GSA and KDA had not
finished their gradient check after 450 s (Dec 2026), while the trainings themselves take 10 to 90 s.
A training needs a configuration that computes right, not the fastest: so each tuning round compiles the
configurations in Triton's order only until one runs, and takes that one. The gradient check then checks
the very configurations the training uses (same process, same shapes, same tuning keys).

Imported only inside a torch worker (it imports Triton). The run's provenance records that it was used
(``AUTOTUNE``), since it changes the reported wall time per training, never the accuracy's meaning.
"""

from __future__ import annotations

import math

AUTOTUNE = "first configuration that runs"
active = False  # set once this process's Autotuner is patched


def first_config_that_runs() -> None:
    """Patch Triton's Autotuner (this process): a tuning round stops compiling at its first configuration
    whose benchmark is finite (one that compiled, fit the GPU's resources and ran); the rest are given an
    infinite time untouched, so the round picks that one."""
    from triton.runtime.autotuner import Autotuner

    prune, bench = Autotuner.prune_configs, Autotuner._bench

    def prune_configs(self, kwargs, *args, **more):
        self._zoo_found = False  # every tuning round (a new key) prunes first: none has run yet
        return prune(self, kwargs, *args, **more)

    def _bench(self, *args, config, **meta):
        if getattr(self, "_zoo_found", False):
            return [math.inf, math.inf, math.inf]  # Triton's own value for a config that cannot run
        timings = bench(self, *args, config=config, **meta)
        self._zoo_found = all(math.isfinite(t) for t in (timings if isinstance(timings, list) else [timings]))
        return timings

    global active
    Autotuner.prune_configs = prune_configs
    Autotuner._bench = _bench
    active = True
