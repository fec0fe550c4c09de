"""A deterministic stand-in for training, for the CPU tests of the sweep driver (no torch).

Accuracy follows the shape of Zoology's findings, not their numbers: a softmax model recalls everything;
a fixed-state model recalls while its state holds the pairs, each pair needing about d numbers, and loses
accuracy beyond; the learning rate matters through a narrow bump around 3e-3. Wall time is a pure function
of the trial too, so two runs of the driver write identical trials.
"""

from __future__ import annotations

import hashlib
import math

from .mixers import MIXERS, sizes_for


def _numbers(model_id: str, d: int, T: int) -> int:
    s = sizes_for(model_id, d)
    if MIXERS[model_id].impl == "sdpa" or model_id == "fox":
        return T * d
    return s.get("heads", 1) * s.get("head_dim", d) * s.get("head_dim_v", s.get("head_dim", d))


def train_one(model_id: str, trial: dict, protocol: dict, deadline: float | None = None) -> dict:
    T, d, n, lr = trial["T"], trial["d"], trial["n_kv"], trial["lr"]
    if model_id not in MIXERS:
        raise KeyError(f"no trainable layer for {model_id!r}")
    capacity = _numbers(model_id, d, T) / (4 * d * n)
    lr_fit = math.exp(-((math.log10(lr) + 2.5) ** 2))
    acc = round(min(1.0, capacity) * (0.5 + 0.5 * lr_fit), 4)
    h = int(hashlib.sha256(f"{model_id}{T}{d}{n}{lr}".encode()).hexdigest()[:6], 16)
    steps = protocol["steps"]
    return {
        "status": "ok",
        "accuracy": acc,
        "loss": round(-math.log(max(acc, 1e-3)), 4),
        "steps": steps,
        "wall_s": round(1.0 + (h % 1000) / 1000, 3),
        "ms_per_step": round(1000 * (1.0 + (h % 1000) / 1000) / steps, 3),
        "curve": [[steps, acc]],
        "sizes": sizes_for(model_id, d),
        "params": 2 * 8192 * d,
        "provenance": {"backend": "fake"},
    }


def check_gradients(model_id: str, d: int, T: int) -> dict:
    """The fake backend's gradient check: every layer passes (zoo.recall.gradcheck's result fields)."""
    return {
        "passed": True,
        "precision": "float32",
        "rel_err": 0.001,
        "worst": "x",
        "bf16_rel_err": 0.01,
        "bf16_worst": "x",
        "tensors": 7,
        "T": T,
    }
