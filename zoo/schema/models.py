"""The registry's data model: pydantic classes for every block of models.yaml.

``schema/models.schema.json`` is generated from these classes (``zoo schema``) so editors complete and
check the file. Rules that span fields or models are the named checks in :mod:`zoo.schema.checks`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from zoo.schema.blocks import BlockSpec, HybridSpec

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
    layout: dict[str, Facet] = Field(
        description="what decoding keeps in memory: every token, grouped or latent heads, a window, a sparse "
        "selection, compressed blocks, a fixed-size state, network weights"
    )

    def facets(self) -> dict[str, dict[str, Facet]]:
        """Every facet by the name its badges, chips and URL parameters use."""
        return {"readout": self.readouts, "decay": self.decay, "gates": self.gates, "layout": self.layout}

    def css_vars(self) -> dict[str, str]:
        """One CSS variable per facet value (--zoo-decay-delta: #059669): the only source of these colours."""
        facets = self.facets()
        return {f"--zoo-{kind}-{key}": f.colour for kind, vals in facets.items() for key, f in vals.items()}


class Provenance(Strict):
    """Where the paper facts of a block were read: reviewers and `zoo validate` hold the block to it."""

    pages: list[str] = Field(
        min_length=1, description="the pages read to check title, authors, first version and venue"
    )
    first_version: str = Field(
        pattern=r"^\d{4}-\d{2}(-\d{2})?$",
        description="date of the first version as read: YYYY-MM or YYYY-MM-DD",
    )
    venue: str | None = Field(default=None, description="where the venue was read")
    notes: str | None = Field(default=None, description="anything a reviewer should know about these facts")


class Paper(Strict):
    title: str = Field(min_length=3)
    authors: list[str] = Field(min_length=1)
    arxiv: str | None = Field(default=None, pattern=ARXIV_PATTERN, description="arXiv id, e.g. '2412.06464'")
    url: str | None = Field(
        default=None, pattern=r"^https://", description="required when there is no arXiv id"
    )
    checked: Provenance = Field(description="where these facts were read")

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
    """The one place that binds a model to its GPU benchmark (zoo/bench/catalog.py reads it)."""

    adapter: str | None = Field(
        default=None,
        description="the name of an adapter class in zoo/bench/adapters/; null when no public kernel exists",
    )
    op: str | None = Field(default=None, description="the public op(s) it times, as shown on the site")
    family: str | None = Field(
        default=None,
        description="benchmark subprocess group shared with related kernels; default: the model runs alone",
    )
    note: str | None = Field(
        default=None, description="why there is no measured kernel (required when adapter is null)"
    )

    @model_validator(mode="after")
    def _says_why(self):
        if self.adapter is None and not (self.note and len(self.note) >= 20):
            raise ValueError("a model without a GPU adapter needs a note (20+ characters) saying why")
        if self.adapter is not None and not self.op:
            raise ValueError("a GPU adapter needs 'op': the public kernel it times")
        return self


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
    layout: str = Field(description="what decoding keeps: a key of the taxonomy's layout facet")
    outside_skeleton: str | None = Field(
        default=None,
        min_length=20,
        description="why this model does not fit the skeleton (a memory written each step, read by a query); "
        "such models are listed under 'Related, outside the skeleton' and left out of the filters",
    )
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
    gpu_kernel: GpuKernel = Field(description="the GPU kernel benchmarked for this model, or why none")
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


def json_schema() -> dict:
    """JSON Schema for models.yaml from the classes above (checked in as schema/models.schema.json)."""
    schema = RegistryFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Attention Zoo registry (models.yaml)"
    return schema
