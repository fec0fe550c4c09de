"""One page per model (the home page with its cards is zoo/sitegen/home.py)."""

import re

from markupsafe import Markup

from zoo.registry import Model
from zoo.sitegen import chart_style
from zoo.sitegen.context import section_rank


def generate(ctx) -> None:
    reg = ctx.registry
    models = list(reg.models)
    for m in models:
        own = {
            "Equations": ctx.render("model_equations.html.j2", m=m),
            "Conventions": ctx.render("model_conventions.html.j2", m=m),
            "Lineage": ctx.render(
                "model_lineage.html.j2", parents=reg.parents(m), children=reg.children(m.id)
            ),
            "References": ctx.render("model_references.html.j2", m=m, bibtex=bibtex(m)),
        }
        sections = sorted(
            [(section_rank(t), t, Markup(html)) for t, html in own.items()] + ctx.page_sections.get(m.id, []),
            key=lambda s: s[0],
        )
        ctx.write(f"models/{m.id}.md", ctx.render("model.md.j2", m=m, sections=sections))
    groups = menu_groups(reg)
    ctx.write(
        "models/index.md",
        ctx.render(
            "models_index.md.j2",
            groups=groups,
            count=len(models),
            skeleton=len(reg.skeleton),
            related=len(reg.related),
        ),
    )
    # The Models tab opens on that index (navigation.indexes); its menu has the same groups, so a reader
    # scanning the whole zoo finds "the delta-rule models" under one heading.
    ctx.add_nav(
        "Models",
        [(None, "models/index.md")]
        + [(g["title"], [(m.name, f"models/{m.id}.md") for m in g["models"]]) for g in groups],
    )

    # The contributor guide lives at the repository root (where GitHub shows it) and on the site.
    guide = (ctx.root / "CONTRIBUTING.md").read_text(encoding="utf-8")
    ctx.write("contributing.md", render_dollar_math(guide, ctx.tex))


def menu_groups(reg) -> list[dict]:
    """The models by family, the grouping of every chart's legend (chart_style.FAMILIES, in its order),
    each group in the registry's order (by year); the related models outside the skeleton last."""
    groups = [
        {"key": key, "title": title, "models": [m for m in reg.skeleton if chart_style.family(m) == key]}
        for key, (title, _) in chart_style.FAMILIES.items()
    ]
    groups.append({"key": "related", "title": "Related, outside the skeleton", "models": list(reg.related)})
    return [g for g in groups if g["models"]]


# Code (fenced blocks, then backtick spans) is matched first so a `$` inside code stays as written.
_CODE_OR_MATH = re.compile(r"```.*?```|`[^`\n]*`|\$([^$\n]+)\$", re.S)


def render_dollar_math(markdown: str, tex) -> str:
    """The guide writes its notation as $...$ (which GitHub shows as math); the site renders it with KaTeX."""

    # KaTeX's SVG paths (a square root's) span lines, which would end a Markdown table row: one line each.
    def math(m):
        return " ".join(str(tex.render(m.group(1))).split("\n")) if m.group(1) else m.group(0)

    return _CODE_OR_MATH.sub(math, markdown)


# Venues that are journals, not conference proceedings (BibTeX @article with a journal field): the journal's
# name at the start of the venue, before its year.
JOURNAL = re.compile(
    r"(Neurocomputing|TMLR|Transactions on Machine Learning Research"
    r"|JMLR|Journal of Machine Learning Research)\b"
)


def bibtex(m: Model) -> str:
    """A BibTeX entry for the model's paper; arXiv papers carry eprint fields so tools can resolve them."""
    first = m.paper.authors[0].split()[-1]
    word = next((w for w in re.findall(r"[A-Za-z]+", m.paper.title) if len(w) > 3), "paper")
    key = re.sub(r"[^a-z0-9]", "", f"{first}{m.year}{word}".lower())
    title = m.paper.title.replace("&", r"\&")
    fields = [("title", "{" + title + "}"), ("author", " and ".join(m.paper.authors)), ("year", str(m.year))]
    journal = JOURNAL.match(m.venue or "")
    if journal:  # a journal article: the journal's name, its year already in `year`
        kind = "article"
        fields.append(("journal", journal.group(1)))
    elif m.venue:
        kind = "inproceedings"
        fields.append(("booktitle", m.venue))
    else:
        kind = "misc"
    if m.paper.arxiv:
        fields += [("eprint", m.paper.arxiv), ("archivePrefix", "arXiv")]
    else:
        fields.append(("url", m.paper.url))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}"
