"""The benchmark result files the site reads (benchmarks/*.json, newest first) and the names the pages give
their contents: models, GPUs, lengths, the head dimension shown."""

from __future__ import annotations

import json
from pathlib import Path

from zoo.bench import catalog, results

DATA = "assets/data/bench"
PAGE = "benchmarks.md"
HEAD_DIM = 128
MODE_TEXT = {"fwd": "forward", "fwdbwd": "forward + backward"}
RATE_T = (8192, 32768)  # the lengths of the achieved-rate table and the roofline figure
COMPARE_T = 32768  # a length every sweep measures, long enough that launch overhead is noise


def result_files(root: Path) -> list[Path]:
    return sorted((root / "benchmarks").glob("*.json"))


def latest_date(doc: dict) -> str:
    return max((r.get("provenance", {}).get("date") or "" for r in doc.get("runs", [])), default="")


def load_all(root: Path) -> list[tuple[dict, Path]]:
    """Every committed result file, newest run first."""
    docs = [(json.loads(p.read_text(encoding="utf-8")), p) for p in result_files(root)]
    return sorted(docs, key=lambda dp: latest_date(dp[0]), reverse=True)


def load_results(root: Path) -> tuple[dict, Path] | None:
    """The newest result file (by its latest run date), or None when none is committed."""
    docs = load_all(root)
    return docs[0] if docs else None


def model_name(names: dict, mid: str) -> str:
    return names.get(mid, mid)


def measured_ids(doc: dict) -> list[str]:
    """Measured model ids in catalogue order, the softmax baseline first."""
    ids = [m for m in catalog.KERNELS if doc["models"].get(m, {}).get("status") == "measured"]
    ids += [m for m, e in doc["models"].items() if m not in ids and e.get("status") == "measured"]
    return sorted(ids, key=lambda m: m != results.BASELINE)


def gpu_name(doc: dict) -> str:
    return next(
        (r["provenance"].get("gpu") for r in doc.get("runs", []) if r.get("provenance", {}).get("gpu")), "GPU"
    )


def tokens_text(doc: dict) -> str:
    n = doc.get("config", {}).get("tokens_per_call", 0)
    return f"{n:,}".replace(",", " ")


def klen(T: float | None) -> str:
    """A length as the tables and axes write it: 512, 1K, 128K (a dash for none)."""
    if T is None:
        return "–"
    return (
        f"{T / 1024:.0f}K"
        if T >= 1024 and T % 1024 == 0
        else (f"{T / 1024:.1f}K" if T >= 1024 else f"{T:.0f}")
    )


def lengths_text(Ts) -> str:
    return ", ".join(klen(T) for T in sorted(set(Ts)))


def shown_head_dim(entry: dict) -> int:
    """The head dimension a model's own curve and crossover are given at: the page's (128) where the model
    was timed with it, else the largest it was timed with (a kernel so far timed only with smaller heads)."""
    dims = {p["head_dim"] for p in entry.get("points", []) if p.get("status") == "ok"}
    return HEAD_DIM if HEAD_DIM in dims or not dims else max(dims)


def fwd_point(entry: dict, T: int, D: int = HEAD_DIM) -> dict | None:
    """The model's timed point at length T and head dimension D that has a forward time, or None."""
    return next(
        (
            p
            for p in entry.get("points", [])
            if p.get("T") == T and p.get("head_dim") == D and p.get("status") == "ok" and p.get("fwd_ms")
        ),
        None,
    )
