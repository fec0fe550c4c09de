"""Show on a CPU that the MQAR gradient check (zoo.recall.gradcheck) passes right layers, fails wrong ones.

    python scripts/check_gradcheck_cpu.py          # any torch (a CPU build is enough) on the path

The check guards every Triton layer of the MQAR sweep on the GPU. Here it runs on the mixers written in torch
alone (softmax variants, Hyena), at two widths and four seeds, and prints the worst errors of its two tests;
then on the same layers with a backward halved on purpose, once in float32 and once only under bf16 autocast
(the kind of fault a miscompiled bf16 kernel makes). It exits 1 unless every right layer passes and every
broken one fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

try:
    import torch
except ImportError:
    sys.exit("this check needs torch (a CPU build is enough): pip install torch, then run it again")

from zoo.recall import gradcheck, model  # noqa: E402

RIGHT = ("nope", "rope", "alibi", "swa", "mqa", "gqa", "hyena")


class Halve(torch.autograd.Function):
    """Identity forward, half the gradient backward: a wrong backward with a right forward pass."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        return g * 0.5


def broken(cls, only_bf16: bool):
    """Patch cls.forward so its input's gradient is halved (always, or only under CPU bf16 autocast)."""
    forward = cls.forward

    def wrong(self, x):
        faulty = not only_bf16 or torch.is_autocast_enabled("cpu")
        return forward(self, Halve.apply(x) if faulty else x)

    cls.forward = wrong
    return forward


def main() -> int:
    failures = []
    for mid in RIGHT:
        for d in (64, 128):
            got = [gradcheck.check(mid, d, 256, device="cpu", seed=s) for s in range(4)]
            fd, bf = max(r["fd_rel_err"] for r in got), max(r["bf16_rel_err"] for r in got)
            ok = all(r["passed"] for r in got)
            print(
                f"{mid:8s} d={d:3d}  float32 vs differences {fd:.4f}  bf16 vs float32 {bf:.4f}  "
                f"{'pass' if ok else 'FAIL'}"
            )
            if not ok:
                failures.append(f"{mid} d={d} failed a right layer")
    for cls, mid in ((model.SDPAttention, "nope"), (model.Hyena, "hyena")):
        for only_bf16 in (False, True):
            keep = broken(cls, only_bf16)
            try:
                r = gradcheck.check(mid, 64, 256, device="cpu")
            finally:
                cls.forward = keep
            where = "bf16 only" if only_bf16 else "always"
            said = "MISSED" if r["passed"] else "caught: " + r["why"]
            print(f"{mid:8s} halved backward ({where}): {said}")
            if r["passed"]:
                failures.append(f"{mid} with a halved backward ({where}) passed")
    print("\n".join(failures) or "every right layer passed, every broken one failed")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
