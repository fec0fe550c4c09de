"""What every page generator gets: the registry, the docs folder being built, and rendering helpers."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import jinja2
from markupsafe import Markup, escape

from zoo.registry import Registry
from zoo.sitegen.tex import TexRenderer, plain_math

# A model page, top to bottom: the one place that orders its sections (generators add them by title).
MODEL_PAGE_SECTIONS = (
    "Equations",
    "Conventions",
    "Run it live",
    "What it can remember",
    "Architecture block",
    "GPU cost",
    "Lineage",
    "References",
)


def state_label(m) -> str:
    """The name of a model's first equation: a softmax model's shows what its memory keeps (a KV cache,
    slots, a latent), a linear model's the state update."""
    return "Memory update" if m.readout == "softmax" and "S_t" not in m.equations.state else "State update"


@dataclass
class BuildContext:
    registry: Registry
    root: Path  # the repository
    docs: Path  # the temporary docs folder mkdocs will build
    tex: TexRenderer
    nav: list[tuple[str, str]] = field(default_factory=list)  # (title, page path) in menu order
    # Other generators enrich the cards and model pages before those are written (see GENERATORS order).
    card_slots: dict[str, list[Markup]] = field(default_factory=dict)
    page_sections: dict[str, list[tuple[int, str, Markup]]] = field(default_factory=dict)
    # The MQAR result files the Recall page reads (zoo/sitegen/mqar.py); None: the repository's own.
    recall_results: Path | None = None

    def __post_init__(self):
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.root / "templates"),
            autoescape=True,  # registry text is escaped before it reaches HTML
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["tex"] = lambda s: self.tex.render(s, display=False)
        self.env.filters["tex_display"] = lambda s: self.tex.render(s, display=True)
        self.env.filters["prose"] = self.prose
        self.env.filters["plain_math"] = plain_math
        self.env.filters["state_label"] = state_label
        self.env.filters["json_attr"] = lambda obj: json.dumps(obj, separators=(",", ":"))
        self.env.globals["taxonomy"] = self.registry.taxonomy
        self.env.globals["registry"] = self.registry

    def prose(self, text: str) -> Markup:
        """Registry prose: HTML-escaped text; $...$ spans are rendered as inline math, `...` spans as code."""
        parts = re.split(r"(?<!\\)\$(.+?)(?<!\\)\$", " ".join(text.split()))
        out = [_code_spans(p) if i % 2 == 0 else self.tex.render(p) for i, p in enumerate(parts)]
        return Markup("").join(out)

    def render(self, template: str, **variables) -> str:
        return self.env.get_template(template).render(**variables)

    def write(self, rel_path: str, text: str) -> None:
        path = self.docs / rel_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def write_json(self, rel_path: str, obj) -> None:
        self.write(rel_path, json.dumps(obj, separators=(",", ":"), ensure_ascii=False))

    def add_card_slot(self, model_id: str, html: Markup) -> None:
        """Extra HTML shown on the model's card (diagram, small mixing matrix), in generator order."""
        self.card_slots.setdefault(model_id, []).append(Markup(html))

    def add_page_section(self, model_id: str, title: str, html: Markup) -> None:
        """A titled section on the model page, placed where MODEL_PAGE_SECTIONS puts its title."""
        self.page_sections.setdefault(model_id, []).append((section_rank(title), title, Markup(html)))

    def add_nav(self, title: str, target: str | list) -> None:
        """A menu entry: a page (its path under docs/) or a section, a list of (title, target) whose entry
        titled None is the section's index page."""
        self.nav.append((title, target))

    @staticmethod
    def root_from(rel_md_path: str) -> str:
        """Relative prefix from a page's URL to the site root (pages use directory URLs: a/b.md -> a/b/)."""
        page = PurePosixPath(rel_md_path)
        depth = len(page.parent.parts) + (0 if page.stem == "index" else 1)
        return "../" * depth


def section_rank(title: str) -> int:
    if title not in MODEL_PAGE_SECTIONS:
        raise ValueError(f"model page section {title!r} is missing from MODEL_PAGE_SECTIONS in {__name__}")
    return MODEL_PAGE_SECTIONS.index(title)


def _code_spans(text: str) -> Markup:
    """Escape text, turning `...` spans into <code> (file names and identifiers from released code)."""
    parts = re.split(r"`([^`]+)`", text)
    code = Markup("<code>%s</code>")
    return Markup("").join(escape(p) if i % 2 == 0 else code % p for i, p in enumerate(parts))
