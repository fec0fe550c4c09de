"""How close each kernel gets to the hardware: achieved FLOP/s against the roofline drawn from the matmul rate
and copy bandwidth measured in the same run, and a decoding step's bytes per second."""

from __future__ import annotations

from zoo.bench import flops
from zoo.sitegen.bench_data import HEAD_DIM, RATE_T, fwd_point, measured_ids, model_name

ALGORITHM_TEXT = {
    "attention": "attention",
    "linear": "chunked linear",
    "delta": "chunked delta rule",
    "slots": "two passes over slots",
    "ttt": "mini-batch TTT",
    "scan": "per-channel scan",
    "fft": "FFT convolution",
    "mimo": "complex diagonal scan, dense in and out",
}


def limits(doc: dict) -> dict[str | None, tuple[float | None, float | None]]:
    """{run id: (bf16 matmul TFLOP/s, copy TB/s)} as measured in each run; key None: the medians over runs,
    for points whose run recorded none."""
    out = {}
    for r in doc.get("runs", []):
        cal = r.get("calibration") or {}
        out[r["id"]] = (cal.get("matmul_bf16_tflops"), cal.get("copy_tb_per_s"))
    medians = []
    for i in (0, 1):
        vals = sorted(v[i] for v in out.values() if v[i])
        medians.append(vals[len(vals) // 2] if vals else None)
    out[None] = tuple(medians)
    return out


def achieved(doc: dict, mid: str, point: dict, lims: dict) -> dict | None:
    """A forward point's achieved TFLOP/s against the roofline of the run that measured it: {'tflops',
    'intensity' (FLOP per byte), 'ceiling' (min of the matmul rate and intensity x copy bandwidth, TFLOP/s),
    'of_ceiling', 'of_matmul', 'bound': 'compute' | 'memory'}; None without a count or a time."""
    heads = doc.get("config", {}).get("heads", 16)
    B, T, D = point["B"], point["T"], point["head_dim"]
    f, b = flops.forward_flops(mid, B, T, heads, D), flops.forward_bytes(mid, B, T, heads, D)
    ms = point.get("fwd_ms")
    if not (f and b and ms):
        return None
    mm, bw = lims.get(point.get("run")) or lims[None]
    mm, bw = mm or lims[None][0], bw or lims[None][1]
    tflops, ai = f / (ms * 1e-3) / 1e12, f / b
    out = {"tflops": tflops, "intensity": ai, "ceiling": None, "of_ceiling": None, "of_matmul": None}
    out["bound"] = None
    if mm and bw:
        ceiling = min(mm, ai * bw)  # TB/s x FLOP/byte = TFLOP/s
        out.update(ceiling=ceiling, of_ceiling=tflops / ceiling, of_matmul=tflops / mm)
        out["bound"] = "compute" if ai * bw >= mm else "memory"
    return out


def decode_rate(doc: dict, mid: str, lims: dict, T: int = RATE_T[-1]) -> dict | None:
    """One decoding step's achieved bandwidth: bytes it must move (KV cache at context T, or the matrix
    state) over its time, against the copy bandwidth; None where no step was timed or nothing is counted."""
    dec = doc["models"][mid].get("decode") or {}
    heads = doc.get("config", {}).get("heads", 16)
    if dec.get("kind") == "kv_cache":
        p = next((p for p in dec.get("points", []) if p.get("T") == T and p.get("ms")), None)
        ms, run = (p["ms"], p.get("run") or dec.get("run")) if p else (None, None)
    else:
        ms, run = dec.get("ms"), dec.get("run")
    nbytes = flops.decode_bytes(mid, dec.get("kind"), T, heads, HEAD_DIM)
    if not (ms and nbytes):
        return None
    bw = (lims.get(run) or lims[None])[1] or lims[None][1]
    gbs = nbytes / (ms * 1e-3) / 1e9
    return {"gb_s": gbs, "of_copy": gbs / (bw * 1e3) if bw else None, "T": T, "kind": dec["kind"]}


def rate_rows(doc: dict, names: dict) -> list[dict]:
    """How close each measured kernel gets to the machine's limits at the RATE_T lengths (head dim 128)."""
    lims = limits(doc)
    rows = []
    for mid in measured_ids(doc):
        cost = flops.COSTS.get(mid)
        if cost is None:
            continue
        entry = doc["models"][mid]
        at = {}
        for T in RATE_T:
            p = fwd_point(entry, T)
            at[T] = achieved(doc, mid, p, lims) if p else None
        if not any(at.values()):
            continue
        last = next(a for a in reversed(list(at.values())) if a)
        rows.append(
            {
                "id": mid,
                "name": model_name(names, mid),
                "algorithm": ALGORITHM_TEXT[cost.kind],
                "intensity": last["intensity"],
                "bound": last["bound"],
                "at": at,
                "decode": decode_rate(doc, mid, lims),
            }
        )
    return rows


def headroom(rows: list[dict], T: int = RATE_T[-1]) -> tuple[list[dict], list[dict]]:
    """(the three kernels furthest from their roofline ceiling, the three closest) at length T."""
    ranked = sorted(
        (r for r in rows if (r["at"].get(T) or {}).get("of_ceiling")), key=lambda r: r["at"][T]["of_ceiling"]
    )
    return ranked[:3], ranked[::-1][:3]
