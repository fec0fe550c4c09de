"""Build the Attention Zoo site into site/ (and optionally serve it): the one build entry point.

python build.py                 # validate models.yaml, generate pages, mkdocs build --strict -> site/
python build.py --serve         # the same, then serve on http://127.0.0.1:8000
python build.py --drafts        # preview build that also shows models with status: draft
python build.py --out DIR       # build somewhere else
python build.py --site-url URL  # the public address the site is built for

The same command as `zoo build`; the options are defined once, in zoo/cli.py.
"""

import sys

from zoo.cli import main

if __name__ == "__main__":
    sys.exit(main(["build", *sys.argv[1:]]))
