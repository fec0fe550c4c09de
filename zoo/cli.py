"""The `zoo` command: validate the registry, scaffold a model, build and serve the site.

zoo validate            run every data rule CI runs (zoo/schema/checks.py)
zoo new <id>            add a complete, commented model block to models.yaml
zoo block <id> [-o F]   write a model's block diagram as SVG for a quick look
zoo schema              regenerate schema/models.schema.json
zoo build [--serve]     build the site; python build.py runs this (--drafts, --out DIR, --site-url URL)
"""

import argparse
import json
import sys
from pathlib import Path

from zoo import registry as registry_mod

ROOT = registry_mod.ROOT
SCHEMA_PATH = ROOT / "schema" / "models.schema.json"


def _fail(lines) -> int:
    for line in lines:
        print(line, file=sys.stderr)
    return 1


def validate_command(path: Path = registry_mod.REGISTRY_PATH) -> int:
    """Both tiers of zoo.schema.checks: the same rules the tests and CI hold the registry to."""
    try:
        reg = registry_mod.validate(path)
    except registry_mod.RegistryError as err:
        return _fail([str(err), f"{len(err.problems)} problem(s) found."])
    drafts = sum(m.status == "draft" for m in reg.all_models)
    print(
        f"{path.name}: {len(reg.all_models)} models ({drafts} draft), {len(reg.hybrids)} hybrids: "
        "all checks pass"
    )
    return 0


def build_command(
    out: Path, serve: bool = False, port: int = 8000, drafts: bool = False, site_url: str | None = None
) -> int:
    from zoo.sitegen.build import BuildError, build

    try:
        report = build(out, include_drafts=drafts, site_url=site_url)
    except registry_mod.RegistryError as err:
        return _fail([str(err), "build stopped: fix models.yaml; the previous site was left untouched."])
    except BuildError as err:
        return _fail([str(err), "build stopped; the previous site was left untouched."])
    print(report.summary())
    if serve:
        from urllib.parse import urlsplit

        from zoo.serve import serve_forever

        # Served under the deployment's path (if one was given), so the build is seen as it will be.
        serve_forever(report.out, port=port, sub_path=urlsplit(site_url or "").path or "/")
    return 0


def schema_command() -> int:
    SCHEMA_PATH.parent.mkdir(exist_ok=True)
    SCHEMA_PATH.write_text(json.dumps(registry_mod.json_schema(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {SCHEMA_PATH.relative_to(ROOT)}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="zoo", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check models.yaml exactly as CI does")
    p.add_argument("path", nargs="?", type=Path, default=registry_mod.REGISTRY_PATH)
    p = sub.add_parser("new", help="scaffold a model block in models.yaml")
    p.add_argument("id")
    p.add_argument("--readout", choices=["softmax", "linear"], default="linear")
    p.add_argument("--year", type=int, default=None)
    p = sub.add_parser("block", help="write a model's block diagram as SVG")
    p.add_argument("id")
    p.add_argument("-o", "--out", type=Path, default=None)
    sub.add_parser("schema", help="regenerate schema/models.schema.json")
    p = sub.add_parser("build", help="build the site (python build.py runs this)")
    p.add_argument("--out", type=Path, default=ROOT / "site")
    p.add_argument("--serve", action="store_true", help="serve the built site on 127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--drafts", action="store_true", help="include models with status: draft")
    p.add_argument(
        "--site-url",
        default=None,
        help="public address of a deployment, for canonical links and the sitemap "
        "(default: none; the site works at any address)",
    )
    args = parser.parse_args(argv)

    if args.command == "validate":
        return validate_command(args.path)
    if args.command == "new":
        from zoo import scaffold

        return scaffold.new_command(args.id, readout=args.readout, year=args.year)
    if args.command == "block":
        return block_command(args.id, args.out)
    if args.command == "schema":
        return schema_command()
    return build_command(
        args.out, serve=args.serve, port=args.port, drafts=args.drafts, site_url=args.site_url
    )


def block_command(model_id: str, out: Path | None) -> int:
    from zoo import diagrams
    from zoo.schema.blocks import BlockSpecError

    try:
        reg = registry_mod.load(include_drafts=True)
    except registry_mod.RegistryError as err:
        return _fail([str(err)])
    if model_id not in reg.by_id:
        return _fail([f"no model '{model_id}' in models.yaml; expected one of: {', '.join(reg.by_id)}"])
    target = out or Path(f"{model_id}.svg")
    try:
        diagrams.write_block_svg(reg, model_id, target)
    except (BlockSpecError, KeyError) as err:
        return _fail([f"models.yaml: model '{model_id}': cannot draw the block: {err}"])
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
