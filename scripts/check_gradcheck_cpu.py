"""Show on a CPU that the MQAR gradient check (zoo.recall.gradcheck) passes right layers, fails wrong ones.

    python scripts/check_gradcheck_cpu.py          # any torch (a CPU build is enough) on the path

The check guards every Triton layer of the MQAR sweep on the GPU. Here it runs on the mixers written in torch
alone (softmax variants, Hyena), at two widths and four seeds, and prints the worst errors; then on the same
layers with a backward halved on purpose, once always and once only under bf16 autocast (the kind of fault a
miscompiled bf16 kernel makes), and once more with the output projection starting at zero, as fla's RWKV-7
starts it (the layer then outputs zeros, and a check run at that init compares zero gradients). Both forms
run: the float32 one, and the bf16-only one that a kernel refusing float32 gets. It exits 1 unless every
right layer passes and every broken one fails.
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


def zero_output(cls):
    """Patch cls.__init__ so the layer's output projection starts at zero."""
    init = cls.__init__

    def zeroed(self, *args, **kwargs):
        init(self, *args, **kwargs)
        with torch.no_grad():
            self.out_proj.weight.zero_()

    cls.__init__ = zeroed
    return init


def main() -> int:
    failures = []
    for float32 in (True, False):
        print(
            "float32 check, then bf16 against it" if float32 else "bf16-only check (kernels without float32)"
        )
        for mid in RIGHT:
            for d in (64, 128):
                got = [gradcheck.check(mid, d, 256, "cpu", seed, float32) for seed in range(4)]
                ok = all(r["passed"] for r in got)
                worst = max(got, key=lambda r: r["rel_err"])
                line = f"  {mid:8s} d={d:3d}  {worst['rel_err']:.4f} ({worst['worst']})"
                if float32:
                    bf = max(got, key=lambda r: r["bf16_rel_err"])
                    line += f"  bf16 {bf['bf16_rel_err']:.4f} ({bf['bf16_worst']})"
                print(line + ("  pass" if ok else "  FAIL"))
                if not ok:
                    failures.append(f"{mid} d={d} failed a right layer")
        for cls, mid in ((model.SDPAttention, "nope"), (model.Hyena, "hyena")):
            for only_bf16 in (False, True):
                keep = broken(cls, only_bf16)
                try:
                    r = gradcheck.check(mid, 64, 256, "cpu", 0, float32)
                finally:
                    cls.forward = keep
                where = "bf16 only" if only_bf16 else "always"
                said = "MISSED" if r["passed"] else "caught: " + r["why"]
                print(f"  {mid:8s} halved backward ({where}): {said}")
                if r["passed"]:
                    failures.append(f"{mid} with a halved backward ({where}) passed")
        init, keep = zero_output(model.SDPAttention), broken(model.SDPAttention, False)
        try:
            r = gradcheck.check("nope", 64, 256, "cpu", 0, float32)
        finally:
            model.SDPAttention.__init__, model.SDPAttention.forward = init, keep
        print(f"  nope     halved backward, output starting at zero: {'MISSED' if r['passed'] else 'caught'}")
        if r["passed"]:
            failures.append("nope with a halved backward and a zero output projection passed")
    print("\n".join(failures) or "every right layer passed, every broken one failed")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
