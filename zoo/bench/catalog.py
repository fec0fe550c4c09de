"""Which public GPU kernel stands for each model of the zoo, read from the registry (no torch import).

The binding is written once, in each model's ``gpu_kernel`` block of models.yaml (adapter, op, family,
note); the adapter name is a key of ``zoo.bench.adapters.ADAPTERS``, which `zoo validate` checks. This
module reads the file with PyYAML alone (zoo.yamlsrc's libyaml loader) so a benchmark worker on a GPU
machine needs nothing else.

A family groups adapters that run in one benchmark subprocess: a compiler crash or a hang in one family
cannot take the others down. A model with no family runs in a subprocess of its own. ``adapter`` is
None when no public fused kernel exists, and ``note`` then says why (the site shows it).
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from zoo.yamlsrc import LOADER

REGISTRY_PATH = Path(__file__).resolve().parents[2] / "models.yaml"


@dataclass(frozen=True)
class Kernel:
    adapter: str | None  # key in zoo.bench.adapters.ADAPTERS
    op: str | None  # the public op(s) it times, dotted
    family: str | None  # subprocess group
    note: str | None = None  # why there is no kernel, or what is special about this one


@cache
def kernels(path: Path = REGISTRY_PATH) -> dict[str, Kernel]:
    """model id -> Kernel, in registry order (softmax baseline first: every crossover needs it)."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
    out = {}
    for m in data["models"]:
        g = m.get("gpu_kernel") or {}
        adapter = g.get("adapter")
        out[m["id"]] = Kernel(adapter, g.get("op"), g.get("family") or adapter, g.get("note"))
    return out


KERNELS: dict[str, Kernel] = kernels()

# Families that run first (the softmax baseline, then the broad fla groups); any other family follows.
FAMILY_ORDER = (
    "sdpa sdpa-variants fft fla-linear fla-delta mamba fla-rwkv fla-softmax fla-other fla-slots fla-path"
    " mlstm"
).split()


def families(model_ids) -> dict[str, list[str]]:
    """Group the measurable ids by family, FAMILY_ORDER first, keeping the registry's order in a family."""
    wanted = [m for m in KERNELS if m in set(model_ids) and KERNELS[m].adapter]
    found = list(dict.fromkeys(KERNELS[m].family for m in wanted))
    order = [f for f in FAMILY_ORDER if f in found] + [f for f in found if f not in FAMILY_ORDER]
    return {f: [m for m in wanted if KERNELS[m].family == f] for f in order}
