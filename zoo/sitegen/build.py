"""Build the site: registry -> generated docs tree -> mkdocs build --strict -> swap into place.

The build writes into a temporary folder beside the output and only replaces the output when every
step succeeded, so a failed build leaves the previous site intact.
"""

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from zoo import registry as registry_mod
from zoo.sitegen import GENERATORS, identity
from zoo.sitegen.anywhere import relocate_404, write_page_list
from zoo.sitegen.context import BuildContext
from zoo.sitegen.tex import TexError, TexRenderer
from zoo.sitegen.tex_svg import TexSvgError
from zoo.sitegen.vendor import copy_vendor

ROOT = registry_mod.ROOT


class BuildError(RuntimeError):
    pass


@dataclass
class BuildReport:
    out: Path
    pages: int
    files: int
    bytes: int
    seconds: float
    models: int

    def summary(self) -> str:
        return (
            f"built {self.pages} pages ({self.models} models), {self.files} files, "
            f"{self.bytes / 1e6:.1f} MB into {self.out} in {self.seconds:.1f} s"
        )


def build(
    out: Path,
    include_drafts: bool = False,
    site_url: str | None = None,
    registry_path: Path | None = None,
    root: Path = ROOT,
    recall_results: Path | None = None,
) -> BuildReport:
    """Build the site of the project at ``root`` (templates, docs, kernels, node_modules) into ``out``.

    ``site_url`` is the public address of a deployment, for canonical links and the sitemap; without it the
    pages name no address at all. The site works at any address either way. ``recall_results`` is a folder
    of MQAR result files to show instead of the repository's benchmarks/recall (the tests build from one).
    """
    start = time.perf_counter()
    registry_path = registry_path or root / "models.yaml"
    # raises RegistryError
    reg = registry_mod.load(
        registry_path, include_drafts=include_drafts, kernels_dir=root / registry_mod.KERNELS
    )
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".zoo-build-", dir=out.parent))
    try:
        docs = work / "docs"
        shutil.copytree(root / "docs", docs)
        copy_vendor(root, docs)
        with TexRenderer(root) as tex:
            ctx = BuildContext(registry=reg, root=root, docs=docs, tex=tex, recall_results=recall_results)
            check_tex(ctx, registry_path.name)
            for gen in GENERATORS:
                try:
                    gen.generate(ctx)
                except TexSvgError as err:
                    raise BuildError(str(err)) from None
        config = write_mkdocs_config(ctx, work, site_url)
        run_mkdocs(config)
        site = work / "site"
        write_page_list(site)
        relocate_404(site, site_url)
        swap_into_place(site, out)
        files = [p for p in out.rglob("*") if p.is_file()]
        return BuildReport(
            out=out,
            pages=sum(1 for p in files if p.name == "index.html"),
            files=len(files),
            bytes=sum(p.stat().st_size for p in files),
            seconds=time.perf_counter() - start,
            models=len(reg.models),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_tex(ctx: BuildContext, filename: str) -> None:
    """Render every registry equation before any page, so a TeX typo names its model and field."""
    problems = []
    for m in ctx.registry.models:
        fields = {
            "equations.state": m.equations.state,
            "equations.readout": m.equations.readout,
            "equations.parallel": m.equations.parallel,
            "unified.transition": m.unified.transition,
            "unified.write": m.unified.write,
            "unified.normaliser": m.unified.normaliser,
            "cost.state": m.cost.state,
            "cost.train": m.cost.train,
            "cost.decode": m.cost.decode,
            **{f"equations.extra[{x.label}]": x.tex for x in m.equations.extra},
        }
        for name, tex in fields.items():
            if tex is None:
                continue
            try:
                ctx.tex.render(tex, display=True)
            except TexError as err:
                problems.append(
                    f"{filename}: model '{m.id}': {name} does not render: {err.message}; "
                    "expected KaTeX-compatible TeX"
                )
    if problems:
        raise BuildError("\n".join(problems))


def write_mkdocs_config(ctx: BuildContext, work: Path, site_url: str | None) -> Path:
    config = yaml.safe_load((ctx.root / "mkdocs.yml").read_text(encoding="utf-8"))
    if site_url:
        config["site_url"] = site_url
    config.update(
        docs_dir=str(ctx.docs),
        site_dir=str(work / "site"),
        nav=[{title: _nav(target)} for title, target in sorted(ctx.nav, key=_nav_rank)]
        + config.get("nav", []),
    )
    # The config is written to the work folder: theme overrides are found from the repository.
    theme = config.get("theme", {})
    if isinstance(theme, dict) and theme.get("custom_dir"):
        theme["custom_dir"] = str(ctx.root / theme["custom_dir"])
    # Footer source link and "edit this page": mkdocs.yml's repo_url, else the clone's own origin.
    url = identity.repo_url(ctx.root, config.get("repo_url"))
    if url:
        config["repo_url"] = url
    else:
        config.pop("repo_url", None)
    path = work / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# Menu order of the generated pages; generators register in build order, which is not reading order.
NAV_ORDER = ["The zoo", "Models", "Unified view", "Compare", "Recall", "Hybrids", "Benchmarks"]


def _nav_rank(entry) -> int:
    title = entry[0]
    return NAV_ORDER.index(title) if title in NAV_ORDER else len(NAV_ORDER)


def _nav(target):
    if isinstance(target, list):  # a section: a title of None is its index page
        return [_nav(t) if title is None else {title: _nav(t)} for title, t in target]
    return target


def run_mkdocs(config_path: Path) -> None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    try:
        cfg = load_config(config_file=str(config_path), strict=True)
        mkdocs_build(cfg)
    except (Abort, ConfigurationError) as err:
        raise BuildError(f"mkdocs build --strict failed: {err}") from None


def swap_into_place(site: Path, out: Path) -> None:
    """Replace ``out`` by ``site`` with two renames on one filesystem, never leaving a half-written site."""
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    site.rename(out)
    shutil.rmtree(old, ignore_errors=True)
