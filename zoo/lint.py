"""Checks beyond the schema: house rules that keep the registry easy to read and review.

Each message says where the problem is and how to fix it, in the registry's error format.
"""

from pathlib import Path

from zoo import yamlsrc
from zoo.registry import Registry, word_count

DESCRIPTION_WORDS = (60, 200)
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
READOUT_ORDER = ("softmax", "linear")
# Models with no parent in the zoo. Each starts a line of work whose ancestors are not zoo models (S4 builds
# on HiPPO and earlier state-space work); an edge invented to connect the graph would be false. A new root is
# a deliberate change here, so a block that merely forgot its lineage is still caught.
ROOTS = ("transformer", "s4")


def run(reg: Registry, path: Path) -> list[str]:
    src = yamlsrc.load(path.read_text(encoding="utf-8"))
    index = {m.id: i for i, m in enumerate(reg.all_models)}
    name = path.name
    problems: list[tuple[int, str]] = []

    def report(model_id: str, field: tuple, message: str):
        line = src.line_of(("models", index[model_id], *field))
        problems.append((line, f"{name}:{line}: model '{model_id}': {message}"))

    models = list(reg.all_models)

    # Order: grouped by readout (softmax, then linear), then by year, then by id.
    def key(m):
        return (READOUT_ORDER.index(m.readout) if m.readout in READOUT_ORDER else 99, m.year, m.id)

    for prev, m in zip(models, models[1:], strict=False):
        if key(m) < key(prev):
            expected = next(o for o in sorted(models, key=key) if key(o) > key(m))
            report(
                m.id,
                ("id",),
                f"out of order; expected models grouped by readout (softmax, then linear), "
                f"then sorted by year and id: move this block before '{expected.id}'",
            )
            break

    for m in models:
        words = word_count(m.description)
        lo, hi = DESCRIPTION_WORDS
        if not lo <= words <= hi:
            report(
                m.id,
                ("description",),
                f"description has {words} words; expected {lo} to {hi} words "
                "saying what changes relative to the parents and why it matters",
            )

    for m in models:
        for field, marker in PLACEHOLDERS.items():
            value = m
            for part in field:
                value = getattr(value, part, None)
            if value and marker in value:
                report(
                    m.id,
                    field,
                    f"'{'.'.join(field)}' still holds the placeholder from `zoo new`; "
                    "expected the real value (see the comment on that line)",
                )
        for j, f in enumerate(m.conventions.source):
            if f.repo == "owner/name":
                report(
                    m.id,
                    ("conventions", "source", j),
                    "'conventions.source' still names the placeholder repository from `zoo new`; "
                    "expected the released code's owner/name and the file you compared against",
                )
        for j, edge in enumerate(m.lineage):
            if LINEAGE_PLACEHOLDER in edge.note:
                report(
                    m.id,
                    ("lineage", j),
                    "lineage note still holds the placeholder from `zoo new`; "
                    "expected one line saying what changed relative to the parent",
                )

    seen_papers: dict[str, str] = {}
    for m in models:
        # PaTH-FoX shares the PaTH paper by design, so papers may repeat only along a lineage edge.
        keyp = m.paper.arxiv or m.paper.url
        other = seen_papers.get(keyp)
        if other and other not in {e.parent for e in m.lineage}:
            report(
                m.id,
                ("paper",),
                f"paper {keyp} is also cited by '{other}'; expected one model per paper "
                "(variants from one paper must name that model as a lineage parent)",
            )
        seen_papers.setdefault(keyp, m.id)

    for m in models:
        if not m.lineage and m.id not in ROOTS:
            report(
                m.id,
                ("lineage",),
                "has no lineage edge, so the graph falls apart; expected at least one parent "
                f"(only {', '.join(repr(r) for r in ROOTS)} start lines of their own)",
            )
    return [text for _, text in sorted(problems)]
