"""The registry: models.yaml loaded into typed, validated objects.

The classes and every rule live in :mod:`zoo.schema`; this module reads the file, runs the checks and
hands the build a :class:`Registry`. Every problem is reported as

    models.yaml:LINE: model 'ID': what is wrong; what is expected

and all problems are collected before giving up, so a contributor fixes them in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from zoo import yamlsrc
from zoo.schema import checks
from zoo.schema.blocks import HybridSpec
from zoo.schema.checks import KERNELS, word_count
from zoo.schema.models import ID_PATTERN, Edge, Model, RegistryFile, Taxonomy, json_schema
from zoo.schema.problems import Problem, RegistryError, schema_problems

__all__ = [
    "ID_PATTERN",
    "KERNELS",
    "Model",
    "Problem",
    "Registry",
    "RegistryError",
    "json_schema",
    "load",
    "validate",
    "word_count",
]

ROOT = Path(__file__).resolve().parent.parent
REGISTRY_PATH = ROOT / "models.yaml"


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
    def skeleton(self) -> tuple[Model, ...]:
        """The shown models that fit the skeleton: what the home page's filters count and its grid shows."""
        return tuple(m for m in self.models if not m.outside_skeleton)

    @cached_property
    def related(self) -> tuple[Model, ...]:
        """The shown models outside the skeleton, listed apart with their reason (``outside_skeleton``)."""
        return tuple(m for m in self.models if m.outside_skeleton)

    @cached_property
    def by_id(self) -> dict[str, Model]:
        return {m.id: m for m in self.models}

    def children(self, model_id: str) -> list[tuple[Model, Edge]]:
        return [(m, e) for m in self.models for e in m.lineage if e.parent == model_id]

    def parents(self, model: Model) -> list[tuple[Model, Edge]]:
        return [(self.by_id[e.parent], e) for e in model.lineage if e.parent in self.by_id]


def load(
    path: Path = REGISTRY_PATH,
    include_drafts: bool = False,
    kernels_dir: Path | None = None,
    tiers: tuple[str, ...] = ("load",),
) -> Registry:
    """Load the registry and run the checks of ``tiers``, raising RegistryError with every problem found.

    The build needs the "load" tier; `zoo validate` runs all. Kernel bindings are checked against
    ``kernels_dir`` (default: kernels_wasm/ beside the file).
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
        raise RegistryError(filename, schema_problems(err, src)) from None

    ctx = checks.Context(parsed, src, path.parent, kernels_dir or path.parent / KERNELS)
    problems = checks.run(ctx, tiers)
    if problems:
        raise RegistryError(filename, problems)
    return Registry(parsed.taxonomy, tuple(parsed.models), tuple(parsed.hybrids), include_drafts)


def validate(path: Path = REGISTRY_PATH, kernels_dir: Path | None = None) -> Registry:
    """Every data rule CI runs (both tiers of zoo.schema.checks); raises RegistryError listing them all."""
    return load(path, include_drafts=True, kernels_dir=kernels_dir, tiers=("load", "validate"))
