"""Every data rule of the registry, each a named check in one list.

Two tiers:

``load``      rules the build needs before it can draw anything (ids, taxonomy, lineage, kernels, blocks,
              the GPU binding). :func:`zoo.registry.load` runs them; a build stops on any of them.
``validate``  house rules that keep the registry consistent and reviewable (order, lengths, placeholders
              left by `zoo new`, paper provenance, diagrams that fit a card). `zoo validate` and CI run
              both tiers, so a contributor who passes `zoo validate` passes CI on the data.

A check yields :class:`Problem` s in the registry's error format; the tests call the same functions.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from zoo import yamlsrc
from zoo.schema.blocks import check_blocks, check_hybrid_mixers
from zoo.schema.models import Model, RegistryFile
from zoo.schema.problems import Problem

KERNELS = "kernels_wasm"  # kernel modules live in this folder beside models.yaml
ADAPTERS_DIR = Path(__file__).resolve().parents[1] / "bench" / "adapters"
READOUT_ORDER = ("softmax", "linear")
DESCRIPTION_WORDS = (60, 200)
CARD_DIAGRAM_WIDTH = 480  # wider block diagrams are unreadable on a phone card
# Text that `zoo new` writes as a prompt; a block still holding it is not filled in yet.
PLACEHOLDERS = {
    ("paper", "title"): "Exact title as on arXiv",
    ("paper", "arxiv"): "2601.00001",
    ("summary",): "One line (<= 140 characters)",
    ("description",): "Replace this text before publishing",
    ("block", "differences"): "Say in words what differs from the parent block",
    ("conventions", "text"): "Say which form the equations above show",
}
LINEAGE_PLACEHOLDER = "what changed, in one line"
CONVENTIONS_PLACEHOLDER_REPO = "owner/name"
PROVENANCE_PLACEHOLDER = "the page you read"
# Models with no parent in the zoo. Each starts a line of work whose ancestors are not zoo models (HiPPO, the
# root of the state-space line, builds on the Legendre Memory Unit); an edge invented to connect the graph
# would be false. A new root is a deliberate change here, so a block that merely forgot its lineage is still
# caught.
ROOTS = ("transformer", "hippo")


@dataclass
class Context:
    """What a check may look at: the parsed file, where each value sits, and the folder around it."""

    reg: RegistryFile
    src: yamlsrc.LocatedYaml
    root: Path  # the folder holding models.yaml
    kernels_dir: Path
    problems: list[Problem] = field(default_factory=list)
    text: str = ""  # the file as written (for rules about its layout)

    @property
    def models(self) -> list[Model]:
        return list(self.reg.models)

    @cached_property
    def index(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i, m in enumerate(self.reg.models):
            out.setdefault(m.id, i)
        return out

    def at(self, model: Model | int, path: tuple, message: str) -> Problem:
        i = model if isinstance(model, int) else self.index[model.id]
        return Problem(self.src.line_of(("models", i, *path)), self.reg.models[i].id, message)


Check = Callable[[Context], Iterator[Problem]]
CHECKS: list[tuple[str, str, Check]] = []  # (name, tier, function), in the order they run


def check(name: str, tier: str = "load"):
    def register(fn: Check) -> Check:
        CHECKS.append((name, tier, fn))
        return fn

    return register


def run(ctx: Context, tiers: tuple[str, ...] = ("load",)) -> list[Problem]:
    problems: list[Problem] = []
    for _name, tier, fn in CHECKS:
        if tier in tiers:
            problems.extend(fn(ctx))
    return sorted(problems, key=lambda p: p.line)


# ------------------------------------------------------------------------------------------- load tier


@check("unique-ids")
def unique_ids(ctx: Context):
    first: dict[str, int] = {}
    for i, m in enumerate(ctx.models):
        if m.id in first:
            line = ctx.src.line_of(("models", first[m.id], "id"))
            yield ctx.at(
                i, ("id",), f"duplicate id (first used at line {line}); expected every id to be unique"
            )
        first.setdefault(m.id, i)


@check("taxonomy-terms")
def taxonomy_terms(ctx: Context):
    tax = ctx.reg.taxonomy
    for i, m in enumerate(ctx.models):
        if m.readout not in tax.readouts:
            yield ctx.at(
                i, ("readout",), f"unknown readout '{m.readout}'; expected one of: {', '.join(tax.readouts)}"
            )
        for d in m.decay:
            if d not in tax.decay:
                yield ctx.at(
                    i,
                    ("decay",),
                    f"unknown decay type '{d}'; expected one of: {', '.join(tax.decay)} "
                    "(new types are added in the taxonomy section)",
                )
        if "none" in m.decay and len(m.decay) > 1:
            yield ctx.at(
                i, ("decay",), "decay 'none' cannot be combined with other components; expected [none] alone"
            )
        if m.gates not in tax.gates:
            yield ctx.at(
                i, ("gates",), f"unknown gates value '{m.gates}'; expected one of: {', '.join(tax.gates)}"
            )
        if m.layout not in tax.layout:
            yield ctx.at(
                i, ("layout",), f"unknown layout '{m.layout}'; expected one of: {', '.join(tax.layout)}"
            )


@check("kernel-binding")
def kernel_binding(ctx: Context):
    for i, m in enumerate(ctx.models):
        if not (ctx.kernels_dir / f"{m.kernel.module}.py").is_file():
            yield ctx.at(
                i,
                ("kernel", "module"),
                f"missing kernel binding: {KERNELS}/{m.kernel.module}.py does not exist; "
                "expected a numpy module implementing the model (see CONTRIBUTING.md)",
            )
        names = [p.name for p in m.kernel.params]
        if len(set(names)) != len(names):
            yield ctx.at(
                i, ("kernel", "params"), "a live parameter name is used twice; expected unique names"
            )


def adapter_names(folder: Path = ADAPTERS_DIR) -> dict[str, bool]:
    """The names GPU adapter classes set in their own bodies (`name = "..."`) in zoo/bench/adapters/, the keys
    of its ADAPTERS, each with whether its class defines or inherits its float64 reference mapping (a method
    `reference_args`); read without importing torch."""
    classes = {}  # class -> (the name it sets or "", its bases, whether it defines reference_args)
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            own, maps = "", False
            for stmt in node.body:
                target = getattr(stmt, "target", None) or (getattr(stmt, "targets", None) or [None])[0]
                value = getattr(stmt, "value", None)
                if isinstance(target, ast.Name) and target.id == "name" and isinstance(value, ast.Constant):
                    own = value.value
                maps |= isinstance(stmt, ast.FunctionDef) and stmt.name == "reference_args"
            classes[node.name] = (own, [b.id for b in node.bases if isinstance(b, ast.Name)], maps)

    def mapped(cls: str) -> bool:
        _, bases, maps = classes.get(cls, ("", [], False))
        return maps or any(mapped(b) for b in bases)

    return {own: mapped(c) for c, (own, _, _) in classes.items() if own}  # "" is the base: no adapter


@check("gpu-adapter")
def gpu_adapter(ctx: Context):
    known = adapter_names()
    for i, m in enumerate(ctx.models):
        name = m.gpu_kernel.adapter
        if name is not None and name not in known:
            yield ctx.at(
                i,
                ("gpu_kernel", "adapter"),
                f"GPU adapter '{name}' is not the name of any adapter class in zoo/bench/adapters/; expected "
                "one of their names (a new kernel's class sets `name = '...'`) or null with a note why",
            )
        elif name is not None and not known[name]:
            yield ctx.at(
                i,
                ("gpu_kernel", "adapter"),
                f"GPU adapter '{name}' has no float64 reference mapping; expected its class (or one it "
                "extends) to define reference_args(self, x, b, h) onto the model's kernels_wasm module",
            )


@check("lineage-parents")
def lineage_parents(ctx: Context):
    years = {m.id: m.year for m in ctx.models}
    for i, m in enumerate(ctx.models):
        for j, edge in enumerate(m.lineage):
            where = ("lineage", j, "parent")
            if edge.parent == m.id:
                yield ctx.at(i, where, "a model cannot be its own parent; expected an earlier model's id")
            elif edge.parent not in years:
                yield ctx.at(
                    i,
                    where,
                    f"lineage parent '{edge.parent}' is not in the registry; "
                    "expected the id of an existing model",
                )
            elif years[edge.parent] > m.year:
                yield ctx.at(
                    i,
                    where,
                    f"parent '{edge.parent}' ({years[edge.parent]}) is newer than this model ({m.year}); "
                    "expected parents from the same year or earlier",
                )


@check("lineage-acyclic")
def lineage_acyclic(ctx: Context):
    cycle = find_cycle(ctx.models)
    if cycle:
        yield ctx.at(
            ctx.index[cycle[0]],
            ("lineage",),
            f"lineage cycle {' -> '.join(cycle)}; expected edges only to earlier models",
        )


def find_cycle(models: list[Model]) -> list[str] | None:
    parents = {m.id: [e.parent for e in m.lineage] for m in models}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for p in parents.get(node, []):
            if state.get(p) == 1:
                return path[path.index(p) :] + [p] if p in path else [node, p]
            if p in parents and state.get(p) is None:
                found = visit(p, path + [p])
                if found:
                    return found
        state[node] = 2
        return None

    for m in models:
        if state.get(m.id) is None:
            found = visit(m.id, [m.id])
            if found:
                return found
    return None


@check("blocks-resolve")
def blocks_resolve(ctx: Context):
    for err in check_blocks({m.id: m.block for m in ctx.models if m.block}):
        yield ctx.at(ctx.index[err.model_id], ("block", *err.path), f"block: {err.message}")


# The memory kinds a block may draw for each layout facet value: the facet and the block's memory spec are
# two views of one fact, so they must agree.
LAYOUT_MEMORY = {
    "full": {"kv_cache", "long_conv"},
    "grouped": {"kv_cache"},
    "latent": {"kv_cache"},
    "window": {"kv_window"},
    "sparse": {"kv_cache"},
    # kv_window: a bounded memory of raw and compressed entries (Compressive Transformer), W = all its entries
    "compressed": {"log_matrix", "kv_window"},
    "state": {"matrix", "diag_ssm", "ssd", "slots", "vector"},
    "weights": {"matrix"},
}


@check("layout-matches-block")
def layout_matches_block(ctx: Context):
    from zoo.schema.blocks import BlockSpecError, resolve_block

    blocks = {m.id: m.block for m in ctx.models if m.block}
    for i, m in enumerate(ctx.models):
        if m.block is None or m.layout not in LAYOUT_MEMORY:
            continue  # no block: block-present; unknown layout: taxonomy-terms
        try:
            memory = resolve_block(m.id, blocks).memory
        except BlockSpecError:
            continue  # reported by blocks-resolve
        if memory is not None and memory.kind not in LAYOUT_MEMORY[m.layout]:
            yield ctx.at(
                i,
                ("layout",),
                f"layout '{m.layout}' does not match the block's memory kind '{memory.kind}'; expected a "
                f"memory kind among {', '.join(sorted(LAYOUT_MEMORY[m.layout]))}, or another layout",
            )


@check("hybrid-mixers")
def hybrid_mixers(ctx: Context):
    for path, message in check_hybrid_mixers(list(ctx.reg.hybrids), {m.id for m in ctx.models}):
        yield Problem(ctx.src.line_of(("hybrids", *path)), None, message)


# --------------------------------------------------------------------------------------- validate tier


def registry_order_key(readout: str, year: int, model_id: str) -> tuple:
    return (READOUT_ORDER.index(readout) if readout in READOUT_ORDER else 99, year, model_id)


@check("registry-order", "validate")
def registry_order(ctx: Context):
    models = ctx.models

    def key(m):
        return registry_order_key(m.readout, m.year, m.id)

    for prev, m in zip(models, models[1:], strict=False):
        if key(m) < key(prev):
            expected = next(o for o in sorted(models, key=key) if key(o) > key(m))
            yield ctx.at(
                m,
                ("id",),
                "out of order; expected models grouped by readout (softmax, then linear), "
                f"then sorted by year and id: move this block before '{expected.id}'",
            )
            return


@check("description-length", "validate")
def description_length(ctx: Context):
    lo, hi = DESCRIPTION_WORDS
    for m in ctx.models:
        words = word_count(m.description)
        if not lo <= words <= hi:
            yield ctx.at(
                m,
                ("description",),
                f"description has {words} words; expected {lo} to {hi} words "
                "saying what changes relative to the parents and why it matters",
            )


@check("no-placeholders", "validate")
def no_placeholders(ctx: Context):
    for m in ctx.models:
        for path, marker in PLACEHOLDERS.items():
            value = m
            for part in path:
                value = getattr(value, part, None)
            if value and marker in value:
                yield ctx.at(
                    m,
                    path,
                    f"'{'.'.join(path)}' still holds the placeholder from `zoo new`; "
                    "expected the real value (see the comment on that line)",
                )
        for j, f in enumerate(m.conventions.source):
            if f.repo == CONVENTIONS_PLACEHOLDER_REPO:
                yield ctx.at(
                    m,
                    ("conventions", "source", j),
                    "'conventions.source' still names the placeholder repository from `zoo new`; "
                    "expected the released code's owner/name and the file you compared against",
                )
        for j, edge in enumerate(m.lineage):
            if LINEAGE_PLACEHOLDER in edge.note:
                yield ctx.at(
                    m,
                    ("lineage", j),
                    "lineage note still holds the placeholder from `zoo new`; "
                    "expected one line saying what changed relative to the parent",
                )


@check("one-model-per-paper", "validate")
def one_model_per_paper(ctx: Context):
    seen: dict[str, str] = {}
    for m in ctx.models:
        # PaTH-FoX shares the PaTH paper by design, so papers may repeat only along a lineage edge.
        key = m.paper.arxiv or m.paper.url
        other = seen.get(key)
        if other and other not in {e.parent for e in m.lineage}:
            yield ctx.at(
                m,
                ("paper",),
                f"paper {key} is also cited by '{other}'; expected one model per paper "
                "(variants from one paper must name that model as a lineage parent)",
            )
        seen.setdefault(key, m.id)


@check("lineage-connected", "validate")
def lineage_connected(ctx: Context):
    for m in ctx.models:
        if not m.lineage and m.id not in ROOTS:
            yield ctx.at(
                m,
                ("lineage",),
                "has no lineage edge, so the graph falls apart; expected at least one parent "
                f"(only {', '.join(repr(r) for r in ROOTS)} start lines of their own)",
            )


@check("paper-year", "validate")
def paper_year(ctx: Context):
    for m in ctx.models:
        arxiv = m.paper.arxiv
        if not (arxiv and re.match(r"^\d{4}\.", arxiv)) or m.year == 2000 + int(arxiv[:2]):
            continue
        # An id is numbered by the month it is announced in: a paper submitted in the last days of December
        # gets a January id (Titans: 2501.00663, v1 dated 31 Dec 2024): a year earlier.
        december = m.paper.checked.first_version[5:7] == "12"
        if arxiv[2:4] == "01" and m.year == 1999 + int(arxiv[:2]) and december:
            continue
        yield ctx.at(
            m,
            ("year",),
            f"year {m.year} does not match arXiv {arxiv}; expected {2000 + int(arxiv[:2])}, "
            "the year of the first arXiv version (its id starts with YYMM)",
        )


@check("full-author-lists", "validate")
def full_author_lists(ctx: Context):
    for m in ctx.models:
        for j, author in enumerate(m.paper.authors):
            if "et al" in author or "*" in author:
                yield ctx.at(
                    m,
                    ("paper", "authors", j),
                    f"author entry {author!r} abbreviates the list; expected every author's full name, "
                    "as on the paper",
                )


@check("paper-first-version", "validate")
def paper_first_version(ctx: Context):
    for m in ctx.models:
        first = m.paper.checked.first_version
        if str(m.year) != first[:4]:
            yield ctx.at(
                m,
                ("year",),
                f"year {m.year} differs from the first version {first} recorded in paper.checked; "
                "expected the year of the first version",
            )
        if any(PROVENANCE_PLACEHOLDER in page for page in m.paper.checked.pages):
            yield ctx.at(
                m,
                ("paper", "checked", "pages"),
                "'paper.checked.pages' still holds the placeholder from `zoo new`; "
                "expected the pages you read to check the title, authors and first version",
            )


@check("block-present", "validate")
def block_present(ctx: Context):
    for m in ctx.models:
        if m.block is None:
            yield ctx.at(
                m,
                ("id",),
                "has no 'block'; expected an architecture block spec (often `extends:` a parent's block)",
            )


@check("block-draws", "validate")
def block_draws(ctx: Context):
    from zoo.diagrams.layout import find_overlaps
    from zoo.diagrams.render import block_layout
    from zoo.schema.blocks import BlockSpecError

    blocks = {m.id: m.block for m in ctx.models if m.block}
    for m in ctx.models:
        if m.block is None:
            continue
        try:
            lay, _ = block_layout(m, blocks)
        except BlockSpecError:
            continue  # reported by blocks-resolve
        overlaps = find_overlaps(lay)
        if overlaps:
            yield ctx.at(
                m, ("block",), f"block diagram overlaps ({overlaps[0]}); expected shorter labels or fewer ops"
            )
        if lay.width > CARD_DIAGRAM_WIDTH:
            yield ctx.at(
                m,
                ("block",),
                f"block diagram is {lay.width:.0f} units wide; expected at most {CARD_DIAGRAM_WIDTH} "
                "so it stays readable on a phone card (shorter labels, or streams drawn as one column)",
            )


@check("no-hyphen-at-line-end", "validate")
def no_hyphen_at_line_end(ctx: Context):
    """In a plain or folded YAML string a line break reads as a space: "long-" ending one line and "context"
    starting the next reach the page as "long- context"."""
    lines = ctx.text.splitlines()
    for node in _scalars(ctx.src.root):
        if node.style not in (None, ">"):
            continue
        for n in range(node.start_mark.line, node.end_mark.line):
            if n + 1 < len(lines) and re.search(r"[A-Za-z]-$", lines[n].rstrip()) and lines[n + 1].strip():
                yield Problem(
                    n + 1,
                    None,
                    "a line of this text ends with a hyphen, so the page shows 'word- word'; "
                    "expected the hyphenated word kept whole on one line",
                )


def _scalars(node):
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.MappingNode):
        for _key, value in node.value:
            yield from _scalars(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item)


def word_count(text: str) -> int:
    return len(re.findall(r"\S+", text))


def named(name: str) -> Check:
    """One check by its name (the tests run single rules on broken copies of the registry)."""
    return next(fn for n, _, fn in CHECKS if n == name)


def context(path: Path, kernels_dir: Path | None = None) -> Context:
    """A Context for a registry file that parses (no checks run yet)."""
    text = path.read_text(encoding="utf-8")
    src = yamlsrc.load(text)
    return Context(
        RegistryFile.model_validate(src.data),
        src,
        path.parent,
        kernels_dir or path.parent / KERNELS,
        text=text,
    )
