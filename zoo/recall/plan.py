"""The sweep: which (mixer, point, learning rate) trainings run, grouped into worker jobs. Pure Python.

A point is (T, d, n): sequence length, model width, key-value pairs. A trial is one training of one mixer
at one point with one learning rate; a point's result is its best trial (Zoology reports the best of a
learning-rate sweep: recurrent models train only in a narrow window).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .data import check_shape

# Zoology's current MQAR sweep (zoology/experiments/mqar_example_configs/original_mqar_configs.py):
# np.logspace(-3, -1.5, 4)
LRS = [1e-3, 10**-2.5, 1e-2, 10**-1.5]
# width sweep at 16 pairs (Zoology Fig. 2 at T=256), then the pairs sweep at d=128; most important first
POINTS = [(256, 128, 16), (256, 64, 16), (256, 256, 16), (256, 128, 64), (256, 128, 4)]


@dataclass(frozen=True)
class Protocol:
    steps: int = 1000
    batch: int = 128
    eval_examples: int = 1000
    eval_every: int = 250
    early_stop: float = 0.99  # Zoology's early_stopping_threshold on valid/accuracy
    weight_decay: float = 0.1  # Zoology's TrainConfig default
    vocab: int = 8192
    power_a: float = 0.01
    seed: int = 123

    def as_dict(self) -> dict:
        return asdict(self)


def parse_points(text: str) -> list[tuple[int, int, int]]:
    """'256:128:16,256:64:16' -> [(256, 128, 16), (256, 64, 16)], with Zoology's shape rules checked."""
    out = []
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        parts = item.split(":")
        if len(parts) != 3 or not all(p.strip().isdigit() for p in parts):
            raise ValueError(f"point {item!r} is not T:d:pairs (three positive integers, e.g. 256:128:16)")
        T, d, n = (int(p) for p in parts)
        check_shape(T, n)
        if d < 8 or d % 8:
            raise ValueError(f"point {item!r}: width d={d} must be a multiple of 8")
        out.append((T, d, n))
    if not out:
        raise ValueError("no points given")
    return out


def trials(mixers: list[str], points, lrs) -> list[dict]:
    """Every trial, mixer by mixer, point by point (the order points are given in), lr by lr."""
    return [
        {"model": m, "T": T, "d": d, "n_kv": n, "lr": lr}
        for m in mixers
        for (T, d, n) in points
        for lr in lrs
    ]


def key(trial: dict) -> tuple:
    return (trial["T"], trial["d"], trial["n_kv"], round(trial["lr"], 12))


def jobs(todo: list[dict], split: int = 1) -> list[dict]:
    """One worker job per mixer, or ``split`` per mixer (its learning rates dealt round-robin), so a slow
    mixer does not hold the last slot of the pool alone. Jobs of different mixers interleave, so the first
    wave of workers covers as many mixers as possible."""
    by_model: dict[str, list[dict]] = {}
    for t in todo:
        by_model.setdefault(t["model"], []).append(t)
    waves: list[list[dict]] = []
    for model, ts in by_model.items():
        lrs = sorted({t["lr"] for t in ts})
        n = max(1, min(split, len(lrs)))
        for i in range(n):
            mine = [t for t in ts if lrs.index(t["lr"]) % n == i]
            if len(waves) <= i:
                waves.append([])
            waves[i].append({"model": model, "part": i, "trials": mine})
    return [job for wave in waves for job in wave]
