"""One MQAR training on the GPU (imported only inside a worker): AdamW, cosine schedule, batches drawn on the
GPU by zoo.recall.data, a fixed held-out set, early stop at Zoology's 0.99.

Zoology trains epochs over a fixed set (100k or 20k examples) with a per-epoch cosine schedule; here every
step draws a fresh batch from the same distribution and the cosine runs per step over ``steps``. The held-out
set is drawn once from another seed; accuracy is the share of query positions whose argmax is the value.
"""

from __future__ import annotations

import math
import time

import torch
import torch.nn.functional as F

from .. import resultdoc
from . import autotune
from .data import IGNORE, mqar_batch, torch_ops
from .mixers import sizes_for
from .model import MQARModel

DEV = "cuda"


def provenance() -> dict:
    import datetime as dt

    versions = resultdoc.package_versions(
        ["torch", "triton", "fla-core", "flash-linear-attention", "mamba_ssm", "tilelang"]
    )
    props = torch.cuda.get_device_properties(0)
    return {
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "device": props.name,
        "capability": f"{props.major}.{props.minor}",
        "cuda": torch.version.cuda,
        "packages": versions,
        **({"autotune": autotune.AUTOTUNE} if autotune.active else {}),
    }


def limit_memory(share: float) -> None:
    """Cap this worker at its share of the GPU's memory: a layer that needs more fails alone, with an
    out-of-memory error in its own trials, instead of starving the workers beside it."""
    torch.cuda.set_per_process_memory_fraction(share)


def _data(protocol: dict, T: int, n: int, seed: int):
    gen = torch.Generator(device=DEV)
    gen.manual_seed(seed)
    return torch_ops(gen, DEV)


@torch.no_grad()
def evaluate(model, tokens, labels, chunk: int) -> tuple[float, float]:
    model.eval()
    right = total = 0
    loss = 0.0
    for i in range(0, tokens.shape[0], chunk):
        x, y = tokens[i : i + chunk], labels[i : i + chunk]
        where = y != IGNORE
        with torch.autocast("cuda", dtype=torch.bfloat16):
            logits = model.logits_at(x, where)
        target = y[where]
        right += (logits.argmax(-1) == target).sum().item()
        total += target.numel()
        loss += F.cross_entropy(logits.float(), target, reduction="sum").item()
    model.train()
    return right / total, loss / total


def train_one(model_id: str, trial: dict, protocol: dict, deadline: float | None = None) -> dict:
    T, d, n, lr = trial["T"], trial["d"], trial["n_kv"], trial["lr"]
    V, steps, B = protocol["vocab"], protocol["steps"], protocol["batch"]
    seed = protocol["seed"]
    torch.manual_seed(seed)
    model = MQARModel(model_id, d, T, V).to(DEV)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=protocol["weight_decay"])
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps))
    )
    train_xp = _data(protocol, T, n, seed)
    eval_x, eval_y = mqar_batch(
        _data(protocol, T, n, seed + 10_000), protocol["eval_examples"], T, n, V, protocol["power_a"]
    )
    curve, acc, loss_eval = [], 0.0, float("nan")
    torch.cuda.synchronize()
    t0 = time.time()
    step = 0
    for step in range(1, steps + 1):
        x, y = mqar_batch(train_xp, B, T, n, V, protocol["power_a"])
        where = y != IGNORE
        with torch.autocast("cuda", dtype=torch.bfloat16):
            logits = model.logits_at(x, where)
        loss = F.cross_entropy(logits.float(), y[where])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % protocol["eval_every"] == 0 or step == steps:
            # in slices of a training batch: 500 sequences of 64 queries made 1 GB of bf16 logits (2 GB in
            # float32 for the loss), more than a worker's share of an H100 beside 15 others (Dec 2026)
            acc, loss_eval = evaluate(model, eval_x, eval_y, chunk=B)
            curve.append([step, round(acc, 4)])
            if not math.isfinite(loss_eval) or acc >= protocol["early_stop"]:
                break
            if deadline is not None and time.time() > deadline - 5:
                break
    torch.cuda.synchronize()
    wall = time.time() - t0
    return {
        "status": "ok",
        "accuracy": round(acc, 4),
        "loss": round(loss_eval, 4) if math.isfinite(loss_eval) else None,
        "steps": step,
        # stopped by the deadline before its schedule ended (early stops at 0.99 are not truncations)
        "truncated": step < steps and acc < protocol["early_stop"],
        "wall_s": round(wall, 2),
        "ms_per_step": round(1000 * wall / max(step, 1), 3),
        "curve": curve,
        "sizes": sizes_for(model_id, d),
        "params": sum(p.numel() for p in model.parameters()),
        "provenance": provenance(),
    }
