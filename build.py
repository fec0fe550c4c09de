"""Build the Attention Zoo site into site/ (and optionally serve it).

python build.py                 # validate models.yaml, generate pages, mkdocs build --strict -> site/
python build.py --serve         # the same, then serve on http://127.0.0.1:8000
python build.py --drafts        # preview build that also shows models with status: draft
python build.py --out DIR       # build somewhere else
"""

import argparse
import sys
from pathlib import Path

from zoo.cli import build_command


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "site")
    parser.add_argument("--serve", action="store_true", help="serve the built site on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--drafts", action="store_true", help="include models with status: draft")
    parser.add_argument(
        "--site-url",
        default=None,
        help="public address of a deployment, for canonical links and the sitemap "
        "(default: none; the site works at any address)",
    )
    args = parser.parse_args(argv)
    return build_command(
        args.out, serve=args.serve, port=args.port, drafts=args.drafts, site_url=args.site_url
    )


if __name__ == "__main__":
    sys.exit(main())
