"""`zoo new <id>`: add a complete, commented model block to models.yaml at its place, and a kernel to edit.

The block starts as ``status: draft`` so it shows only in preview builds until it is complete.
"""

import re
import sys
from datetime import date
from pathlib import Path

import jinja2

from zoo import registry as registry_mod
from zoo.schema.checks import registry_order_key

ROOT = registry_mod.ROOT


def new_command(
    model_id: str, readout: str = "linear", year: int | None = None, path: Path | None = None
) -> int:
    path = path or registry_mod.REGISTRY_PATH
    root = path.parent
    if not re.match(registry_mod.ID_PATTERN, model_id):
        print(f"'{model_id}' is not a valid id; expected kebab-case like 'my-model'", file=sys.stderr)
        return 1
    try:
        reg = registry_mod.load(path, include_drafts=True)
    except registry_mod.RegistryError as err:
        print(f"{err}\nfix models.yaml before adding a model.", file=sys.stderr)
        return 1
    if model_id in {m.id for m in reg.all_models}:
        print(f"models.yaml already has a model '{model_id}'; pick another id", file=sys.stderr)
        return 1
    module = model_id.replace("-", "_")
    kernel = root / registry_mod.KERNELS / f"{module}.py"
    if kernel.exists():
        print(f"{kernel.relative_to(root)} already exists; pick another id", file=sys.stderr)
        return 1
    year = year or date.today().year
    name = " ".join(part.capitalize() for part in model_id.split("-"))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(root / "templates"), keep_trailing_newline=True)
    tax = reg.taxonomy
    parent = "linear-attention" if readout == "linear" and "linear-attention" in reg.by_id else "transformer"
    block = env.get_template("new_model.yaml.j2").render(
        id=model_id,
        name=name,
        short_name=name[:12],
        year=year,
        readout=readout,
        module=module,
        parent=parent,
        readouts=" | ".join(tax.readouts),
        decays=", ".join(tax.decay),
        gates=" | ".join(tax.gates),
        layouts=" | ".join(tax.layout),
        # the block extends the parent, so the layout must match its memory: a KV cache, or a state
        layout="full" if readout == "softmax" else "state",
    )
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    at = _insert_line(reg, path, readout, year, model_id)
    lines[at:at] = [block]
    path.write_text("".join(lines), encoding="utf-8")
    kernel.write_text(env.get_template("new_kernel.py.j2").render(name=name), encoding="utf-8")
    print(
        f"added '{model_id}' (status: draft) to {path.name} at line {at + 3} "
        f"and wrote {kernel.relative_to(root)}"
    )
    print("next: fill the block, edit the kernel, then run `zoo validate` and `python build.py --drafts`")
    return 0


def _insert_line(reg, path: Path, readout: str, year: int, model_id: str) -> int:
    """0-based line before which the new block goes: the registry's order is readout, year, id."""
    from zoo import yamlsrc

    src = yamlsrc.load(path.read_text(encoding="utf-8"))
    models = list(reg.all_models)
    key = registry_order_key(readout, year, model_id)
    for i, m in enumerate(models):
        if registry_order_key(m.readout, m.year, m.id) > key:
            return src.line_of(("models", i)) - 1
    last = src.line_of(("models", len(models) - 1))
    # After the last model block: the next top-level key (hybrids:) or the end of the file.
    lines = path.read_text(encoding="utf-8").splitlines()
    for n in range(last, len(lines)):
        if lines[n] and not lines[n].startswith(" "):
            return n
    return len(lines)
