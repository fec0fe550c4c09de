"""Result documents: the JSON files that GPU runs write (benchmarks, MQAR training), read and written one way.

Both harnesses run on a GPU machine with only the standard library and the kernel packages, so this module
imports nothing heavy at the top (jsonschema only when a document is validated).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path


def load(path) -> dict:
    """The document at `path`, or a ValueError that names the file and what is wrong with it."""
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ValueError(f"{path}: no such result file") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not JSON ({e})") from None


def write(doc: dict, path) -> None:
    """Write through a temporary file and a rename, so an interrupted run never leaves half a document."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    os.replace(tmp, path)


# A folder of the machine that ran a trial, in the tool output a result keeps (tracebacks, warnings): up to
# an installed package (".../site-packages/", or "/tmp/zoo-gpu-site/", the GPU machine's private package
# folder), or up to this repository's own top-level folders. Not after a word character, a dot, ':' or '/',
# so URLs and repository-relative paths stay whole.
_MACHINE_FOLDER = re.compile(
    r"(?<![\w.:/])/(?:[\w.+-]+/)*?(?:site-packages/|zoo-gpu-site/|(?=(?:zoo|kernels_wasm|scripts|tests)/))"
)
# The folder a run's command wrote its result into ("--out /root/out/h100-f.json"): the file name stays.
_OUT_FOLDER = re.compile(r"(?<=--out )/(?:[\w.+-]+/)+")


def portable(value):
    """`value` (a string, or lists and dicts of them) with the machine's own folders cut from every path, so
    "/opt/torch/.venv/lib/python3.12/site-packages/triton/testing.py" reads "triton/testing.py" and
    "/srv/checkout/zoo/recall/train.py" reads "zoo/recall/train.py", and a command's "--out /root/out/a.json"
    reads "--out a.json": the repository keeps no machine's paths."""
    if isinstance(value, str):
        return _OUT_FOLDER.sub("", _MACHINE_FOLDER.sub("", value))
    if isinstance(value, list):
        return [portable(v) for v in value]
    if isinstance(value, dict):
        return {k: portable(v) for k, v in value.items()}
    return value


def package_versions(names: list[str]) -> dict[str, str | None]:
    """The installed version of each distribution (None where absent), and under the key "ptxas" the release
    of ptxas that Triton assembles NVIDIA kernels with: on Hopper some of fla's backward kernels come out
    wrong from the 12.8 that Triton bundles and right from 13.1 (fla #1262); TRITON_PTXAS_PATH names another.
    """
    from importlib import metadata

    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    try:
        from triton import knobs

        out["ptxas"] = knobs.nvidia.ptxas.version
    except Exception:  # no Triton, an older one without knobs, or no ptxas it can run
        out["ptxas"] = None
    return out


def schema_errors(doc: dict, schema_path: Path) -> list[str]:
    """Schema errors (empty when valid), as 'path: message' strings in document order."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(json.loads(Path(schema_path).read_text()))
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    ]


def report(doc: dict, validate: Callable[[dict], list[str]], summary: Callable[[dict], str]) -> int:
    """What both harnesses' `merge` prints once the merged document is written: its schema errors, then its
    summary; the exit status."""
    errors = validate(doc)
    for e in errors:
        print("schema:", e)
    print(summary(doc))
    return 1 if errors else 0


def summarize_files(paths: list[str], summary: Callable[[dict], str]) -> int:
    """The `summary` subcommand of both harnesses."""
    for p in paths:
        print(summary(load(p)))
    return 0


def validate_files(paths: list[str], validate: Callable[[dict], list[str]]) -> int:
    """The `validate` subcommand of both harnesses: one line per file, its first errors; exit status."""
    bad = 0
    for p in paths:
        errors = validate(load(p))
        bad += bool(errors)
        print(f"{p}: {'ok' if not errors else str(len(errors)) + ' errors'}")
        for e in errors[:20]:
            print("  ", e)
    return 1 if bad else 0
