"""The registry: models.yaml loaded into typed, validated objects.

Validation is strict and kind. Every problem is reported as

    models.yaml:LINE: model 'ID': what is wrong; what is expected

and all problems are collected before giving up, so a contributor fixes them in one pass.
The schema in ``schema/models.schema.json`` is generated from the classes below (``zoo schema``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from zoo import yamlsrc
from zoo.diagrams.spec import BlockSpec, HybridSpec, check_blocks, check_hybrid_mixers

ROOT = Path(__file__).resolve().parent.parent
REGISTRY_PATH = ROOT / "models.yaml"
KERNELS = "kernels_wasm"  # kernel modules live in this folder beside models.yaml

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# New-style arXiv ids (2007 on: YYMM.NNNN or YYMM.NNNNN) and old-style ones (archive/YYMMNNN).
ARXIV_PATTERN = r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Facet(Strict):
    label: str = Field(min_length=1, max_length=30)
    colour: str = Field(
        pattern=r"^#[0-9a-fA-F]{6}$", description="hex colour used for badges and graph nodes"
    )
    description: str = Field(min_length=1, max_length=200)


class Taxonomy(Strict):
    readouts: dict[str, Facet] = Field(description="how the memory is read: softmax or linear")
    decay: dict[str, Facet] = Field(description="components of how the memory fades or is edited")
    gates: dict[str, Facet] = Field(description="whether the decay/write gates are fixed or input-dependent")


class Paper(Strict):
    title: str = Field(min_length=3)
    authors: list[str] = Field(min_length=1)
    arxiv: str | None = Field(default=None, pattern=ARXIV_PATTERN, description="arXiv id, e.g. '2412.06464'")
    url: str | None = Field(
        default=None, pattern=r"^https://", description="required when there is no arXiv id"
    )

    @model_validator(mode="after")
    def _has_a_link(self):
        if not self.arxiv and not self.url:
            raise ValueError("a paper needs an arXiv id or a url")
        return self

    @property
    def link(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv}" if self.arxiv else self.url


class CodeLink(Strict):
    label: str = Field(min_length=1, max_length=40)
    url: str = Field(pattern=r"^https://")


class Extra(Strict):
    label: str = Field(min_length=1, max_length=90, description="what this equation is, shown beside it")
    tex: str = Field(min_length=1)


class Equations(Strict):
    state: str = Field(min_length=1, description="state update (or logit definition for softmax models), TeX")
    readout: str = Field(min_length=1, description="readout, TeX")
    parallel: str | None = Field(default=None, description="parallel / masked form, TeX, where one exists")
    extra: list[Extra] = Field(default_factory=list, description="normalisers, gate definitions, bonus terms")


class Unified(Strict):
    transition: str = Field(description="what multiplies S_{t-1} on the right, TeX")
    write: str = Field(description="what is added to the state, TeX")
    normaliser: str | None = None


class Cost(Strict):
    state: str = Field(description="state size per head, TeX")
    train: str = Field(description="training cost per head, TeX")
    decode: str = Field(description="per-token inference cost per head, TeX")


class CodeFile(Strict):
    repo: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="GitHub owner/name of the released code, e.g. 'fla-org/flash-linear-attention'",
    )
    path: str = Field(
        pattern=r"^[^/\s][^\s]*$", description="file inside the repository, e.g. 'fla/ops/gla/naive.py'"
    )

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repo}/blob/HEAD/{self.path}"


class Conventions(Strict):
    """Which form the page shows, and how the authors' released code differs from it."""

    text: str = Field(
        min_length=20,
        description="which form the equations show and every way the released code differs (scales, gates, "
        "initial values, parametrisation); say 'none' plainly if there is no difference",
    )
    source: list[CodeFile] = Field(
        min_length=1, description="the released file(s) the comparison was made against"
    )


class Edge(Strict):
    parent: str = Field(pattern=ID_PATTERN)
    kind: Literal["direct", "influence"]
    note: str = Field(min_length=3, max_length=100, description="one line: what changed")


class LiveParam(Strict):
    name: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    label: str = Field(min_length=1, max_length=40)
    min: float
    max: float
    step: float = Field(gt=0)
    default: float
    help: str = Field(min_length=1, max_length=160)

    @model_validator(mode="after")
    def _default_in_range(self):
        if not self.min <= self.default <= self.max:
            raise ValueError(f"default {self.default} is outside [{self.min}, {self.max}]")
        return self


class KernelBinding(Strict):
    module: str = Field(pattern=r"^[a-z_][a-z0-9_]*$", description="kernels_wasm/<module>.py")
    params: list[LiveParam] = Field(default_factory=list)


class GpuKernel(Strict):
    adapter: str | None = Field(default=None, description="adapter name in zoo.bench, or null")
    op: str | None = None
    note: str | None = Field(
        default=None, description="why there is no measured kernel, when adapter is null"
    )


class Model(Strict):
    id: str = Field(pattern=ID_PATTERN, description="kebab-case, stable, used in URLs")
    name: str = Field(min_length=1, max_length=60)
    short_name: str = Field(min_length=1, max_length=12)
    status: Literal["published", "draft"] = "published"
    year: int = Field(ge=1990, le=2100, description="year of the first arXiv version")
    venue: str | None = None
    paper: Paper
    code: list[CodeLink] = Field(default_factory=list)
    readout: str
    decay: list[str] = Field(min_length=1)
    gates: str
    summary: str = Field(min_length=10, max_length=140)
    description: str = Field(min_length=1)
    equations: Equations
    conventions: Conventions = Field(
        description="paper form vs released code, with the exact file (shown after the equations)"
    )
    unified: Unified
    cost: Cost
    lineage: list[Edge] = Field(default_factory=list)
    kernel: KernelBinding
    gpu_kernel: GpuKernel | None = None
    block: BlockSpec | None = None

    @field_validator("decay")
    @classmethod
    def _unique(cls, value):
        if len(set(value)) != len(value):
            raise ValueError("decay components are listed twice")
        return value


class RegistryFile(Strict):
    """The whole file, as a contributor writes it."""

    taxonomy: Taxonomy
    models: list[Model]
    hybrids: list[HybridSpec] = Field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    line: int
    model: str | None
    message: str

    def format(self, filename: str) -> str:
        where = f"model '{self.model}': " if self.model else ""
        return f"{filename}:{self.line}: {where}{self.message}"


class RegistryError(Exception):
    def __init__(self, filename: str, problems: list[Problem]):
        self.filename = filename
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("\n".join(p.format(filename) for p in self.problems))


@dataclass(frozen=True)
class Registry:
    taxonomy: Taxonomy
    all_models: tuple[Model, ...]
    hybrids: tuple[HybridSpec, ...]
    include_drafts: bool = False

    @cached_property
    def models(self) -> tuple[Model, ...]:
        """The models this build shows: published ones, plus drafts in a preview build."""
        return tuple(m for m in self.all_models if self.include_drafts or m.status == "published")

    @cached_property
    def by_id(self) -> dict[str, Model]:
        return {m.id: m for m in self.models}

    def children(self, model_id: str) -> list[tuple[Model, Edge]]:
        return [(m, e) for m in self.models for e in m.lineage if e.parent == model_id]

    def parents(self, model: Model) -> list[tuple[Model, Edge]]:
        return [(self.by_id[e.parent], e) for e in model.lineage if e.parent in self.by_id]


def load(
    path: Path = REGISTRY_PATH, include_drafts: bool = False, kernels_dir: Path | None = None
) -> Registry:
    """Load and validate the registry, raising RegistryError with every problem found.

    Kernel bindings are checked against ``kernels_dir`` (default: kernels_wasm/ beside the file).
    """
    filename = path.name
    try:
        src = yamlsrc.load(path.read_text(encoding="utf-8"))
    except yamlsrc.YamlSyntaxError as err:
        raise RegistryError(filename, [Problem(err.line, None, err.message)]) from None
    except OSError as err:
        raise RegistryError(filename, [Problem(1, None, f"cannot read the file ({err.strerror})")]) from None

    if not isinstance(src.data, dict):
        raise RegistryError(
            filename, [Problem(1, None, "the file must be a mapping; expected keys taxonomy and models")]
        )
    try:
        parsed = RegistryFile.model_validate(src.data)
    except ValidationError as err:
        raise RegistryError(filename, _schema_problems(err, src)) from None

    problems = _cross_check(parsed, src, kernels_dir or path.parent / KERNELS)
    if problems:
        raise RegistryError(filename, problems)
    return Registry(parsed.taxonomy, tuple(parsed.models), tuple(parsed.hybrids), include_drafts)


def _model_id_at(src: yamlsrc.LocatedYaml, index) -> str | None:
    models = src.data.get("models") if isinstance(src.data, dict) else None
    if isinstance(models, list) and isinstance(index, int) and index < len(models):
        item = models[index]
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            return item["id"]
        return f"#{index + 1}"
    return None


_FIELD_HINTS = {
    "arxiv": "an arXiv id like '2412.06464' (quote it)",
    "id": "kebab-case like 'gated-deltanet'",
    "colour": "a hex colour like '#4f46e5'",
    "url": "an https:// URL",
    "kind": "'direct' or 'influence'",
    "status": "'published' or 'draft'",
}


_TYPE_HINTS = {
    "int_parsing": "a whole number, e.g. 2024",
    "int_type": "a whole number, e.g. 2024",
    "float_parsing": "a number",
    "float_type": "a number",
    "string_type": "text (put TeX and text with colons in single quotes)",
    "list_type": "a list, e.g. [a, b]",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "bool_type": "true or false",
}


def _ctx_hint(error: dict) -> str:
    ctx = error.get("ctx") or {}
    if "expected" in ctx:
        return f"one of {ctx['expected']}"
    if "max_length" in ctx:
        return f"at most {ctx['max_length']} characters/items"
    if "min_length" in ctx:
        return f"at least {ctx['min_length']} characters/items"
    if "pattern" in ctx:
        return f"text matching {ctx['pattern']}"
    return "a value as documented in CONTRIBUTING.md and schema/models.schema.json"


def _schema_problems(err: ValidationError, src: yamlsrc.LocatedYaml) -> list[Problem]:
    problems = []
    for e in err.errors():
        loc = tuple(e["loc"])
        model = _model_id_at(src, loc[1]) if len(loc) > 1 and loc[0] == "models" else None
        field = ".".join(str(p) for p in (loc[2:] if model else loc))
        kind = e["type"]
        if kind == "extra_forbidden":
            parent_cls = _class_at(loc[:-1])
            allowed = (
                ", ".join(f.alias or name for name, f in parent_cls.model_fields.items())
                if parent_cls
                else "the documented keys"
            )
            msg = f"unknown key '{loc[-1]}'; expected one of: {allowed}"
        elif kind == "missing":
            msg = f"missing field '{field}'; every model needs it (see CONTRIBUTING.md)"
        else:
            hint = _FIELD_HINTS.get(str(loc[-1])) or _TYPE_HINTS.get(kind) or _ctx_hint(e)
            got = e.get("input")
            got_text = f" (got {got!r})" if isinstance(got, str | int | float | bool) or got is None else ""
            msg = f"field '{field}': {e['msg'].lower()}{got_text}; expected {hint}"
        problems.append(Problem(src.line_of(loc), model, msg))
    return problems


def _class_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic class that validates the mapping at ``loc`` (for listing allowed keys)."""
    cls: type[BaseModel] = RegistryFile
    for step in loc:
        if isinstance(step, int):
            continue
        field = cls.model_fields.get(step)
        if field is None:
            return None
        ann = field.annotation
        for candidate in _classes_in(ann):
            cls = candidate
            break
        else:
            return None
    return cls


def _classes_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_classes_in(arg))
    return found


def _cross_check(reg: RegistryFile, src: yamlsrc.LocatedYaml, kernels_dir: Path) -> list[Problem]:
    """Rules that span fields or models: taxonomy membership, ids, lineage, kernels."""
    problems: list[Problem] = []
    tax = reg.taxonomy

    def report(i: int, path: tuple, model: str, message: str):
        problems.append(Problem(src.line_of(("models", i, *path)), model, message))

    seen: dict[str, int] = {}
    years = {m.id: m.year for m in reg.models}
    for i, m in enumerate(reg.models):
        if m.id in seen:
            report(
                i,
                ("id",),
                m.id,
                f"duplicate id (first used at line {src.line_of(('models', seen[m.id], 'id'))}); "
                "expected every id to be unique",
            )
        seen.setdefault(m.id, i)
        if m.readout not in tax.readouts:
            report(
                i,
                ("readout",),
                m.id,
                f"unknown readout '{m.readout}'; expected one of: {', '.join(tax.readouts)}",
            )
        for d in m.decay:
            if d not in tax.decay:
                report(
                    i,
                    ("decay",),
                    m.id,
                    f"unknown decay type '{d}'; expected one of: {', '.join(tax.decay)} "
                    "(new types are added in the taxonomy section)",
                )
        if "none" in m.decay and len(m.decay) > 1:
            report(
                i,
                ("decay",),
                m.id,
                "decay 'none' cannot be combined with other components; expected [none] alone",
            )
        if m.gates not in tax.gates:
            report(
                i,
                ("gates",),
                m.id,
                f"unknown gates value '{m.gates}'; expected one of: {', '.join(tax.gates)}",
            )
        if not (kernels_dir / f"{m.kernel.module}.py").is_file():
            report(
                i,
                ("kernel", "module"),
                m.id,
                f"missing kernel binding: kernels_wasm/{m.kernel.module}.py does not "
                "exist; expected a numpy module implementing the model (see CONTRIBUTING.md)",
            )
        names = [p.name for p in m.kernel.params]
        if len(set(names)) != len(names):
            report(
                i, ("kernel", "params"), m.id, "a live parameter name is used twice; expected unique names"
            )
        for j, edge in enumerate(m.lineage):
            if edge.parent == m.id:
                report(i, ("lineage", j, "parent"), m.id, "a model cannot be its own parent")
            elif edge.parent not in years:
                report(
                    i,
                    ("lineage", j, "parent"),
                    m.id,
                    f"lineage parent '{edge.parent}' is not in the registry; "
                    "expected the id of an existing model",
                )
            elif years[edge.parent] > m.year:
                report(
                    i,
                    ("lineage", j, "parent"),
                    m.id,
                    f"parent '{edge.parent}' ({years[edge.parent]}) is newer than "
                    f"this model ({m.year}); expected parents from the same year or earlier",
                )

    index = {m.id: i for i, m in enumerate(reg.models)}
    for err in check_blocks({m.id: m.block for m in reg.models if m.block}):
        report(index[err.model_id], ("block", *err.path), err.model_id, f"block: {err.message}")
    for path, message in check_hybrid_mixers(list(reg.hybrids), set(years)):
        problems.append(Problem(src.line_of(("hybrids", *path)), None, message))

    cycle = _find_cycle(reg.models)
    if cycle:
        i = next(i for i, m in enumerate(reg.models) if m.id == cycle[0])
        report(
            i,
            ("lineage",),
            cycle[0],
            f"lineage cycle {' -> '.join(cycle)}; expected edges only to earlier models",
        )
    return problems


def _find_cycle(models: list[Model]) -> list[str] | None:
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


def json_schema() -> dict:
    """JSON Schema for models.yaml from the classes above (checked in as schema/models.schema.json)."""
    schema = RegistryFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Attention Zoo registry (models.yaml)"
    return schema


def word_count(text: str) -> int:
    return len(re.findall(r"\S+", text))
