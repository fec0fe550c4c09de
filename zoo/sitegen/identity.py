"""What the site says about itself: the registry as a JSON download, the social preview image, where each
model's block sits in models.yaml (for "edit this page") and the source repository's URL.

    assets/data/models.json        the validated registry (taxonomy, models, hybrids), for download
    assets/images/social.png       the og:image, drawn from the models' 8x8 mixing matrices

Runs after ``live`` (it reads the card figures that generator wrote) and before ``pages``, which renders
the model pages whose front matter names the line of each model's block (the ``source_line`` global).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from zoo import yamlsrc
from zoo.sitegen import live, social

MODELS_JSON = "assets/data/models.json"
SOCIAL_PNG = "assets/images/social.png"


def source_lines(registry_text: str) -> dict[str, int]:
    """1-based line of every model's block (its ``- id:`` line) in the registry file."""
    src = yamlsrc.load(registry_text)
    models = src.data.get("models", []) if isinstance(src.data, dict) else []
    return {
        m["id"]: src.line_of(("models", i))
        for i, m in enumerate(models)
        if isinstance(m, dict) and isinstance(m.get("id"), str)
    }


_REMOTE = re.compile(
    r"^(?:https://|git@|ssh://git@)(github\.com|gitlab\.com|codeberg\.org)[:/](.+?)(?:\.git)?/?$"
)


def repo_url(root: Path, configured: str | None = None) -> str | None:
    """The source repository: mkdocs.yml's repo_url if set, else the checkout's ``origin`` remote when it
    is a public forge (a clone from GitHub, as in the Pages workflow), else None (no source links)."""
    if configured:
        return configured.rstrip("/")
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    match = _REMOTE.match(out)
    return f"https://{match[1]}/{match[2]}" if match else None


def registry_json(registry) -> dict:
    """The registry as readers may reuse it: the same fields as models.yaml, after validation."""
    return {
        "about": "Attention Zoo registry (models.yaml), validated; content licensed CC BY 4.0",
        "taxonomy": registry.taxonomy.model_dump(mode="json", exclude_none=True),
        "models": [m.model_dump(mode="json", exclude_none=True) for m in registry.models],
        "hybrids": [h.model_dump(mode="json", exclude_none=True) for h in registry.hybrids],
    }


def card_matrices(registry) -> list:
    """The cards' 8x8 mixing matrices (the same runs as the cards' grids, zoo/sitegen/live.py), in registry
    order, one column per step (DeltaProduct writes several values a step: its first columns)."""
    out = []
    for m in registry.models:
        A = live.simulate(m, **live.CARD).A2
        out.append(A[:, : A.shape[0]])
    return out


def generate(ctx) -> None:
    registry_file = ctx.root / "models.yaml"
    lines = source_lines(registry_file.read_text(encoding="utf-8")) if registry_file.is_file() else {}
    ctx.env.globals["source_line"] = lambda model_id: lines.get(model_id)
    ctx.write_json(MODELS_JSON, registry_json(ctx.registry))
    years = [m.year for m in ctx.registry.models]
    png = social.image(card_matrices(ctx.registry), live.COLORSCALE, len(years), (min(years), max(years)))
    path = ctx.docs / SOCIAL_PNG
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
