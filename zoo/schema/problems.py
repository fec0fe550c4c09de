"""Problems in the registry's one error format, and pydantic's errors translated into it:

models.yaml:LINE: model 'ID': what is wrong; what is expected
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from zoo import yamlsrc
from zoo.schema.models import RegistryFile


@dataclass(frozen=True)
class Problem:
    line: int
    model: str | None
    message: str

    def format(self, filename: str) -> str:
        where = f"model '{self.model}': " if self.model else ""
        return f"{filename}:{self.line}: {where}{self.message}"


class RegistryError(Exception):
    def __init__(self, filename: str, problems: list[Problem]):
        self.filename = filename
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("\n".join(p.format(filename) for p in self.problems))


def _model_id_at(src: yamlsrc.LocatedYaml, index) -> str | None:
    models = src.data.get("models") if isinstance(src.data, dict) else None
    if isinstance(models, list) and isinstance(index, int) and index < len(models):
        item = models[index]
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            return item["id"]
        return f"#{index + 1}"
    return None


_FIELD_HINTS = {
    "arxiv": "an arXiv id like '2412.06464' (quote it)",
    "id": "kebab-case like 'gated-deltanet'",
    "colour": "a hex colour like '#4f46e5'",
    "url": "an https:// URL",
    "kind": "'direct' or 'influence'",
    "status": "'published' or 'draft'",
}


_TYPE_HINTS = {
    "int_parsing": "a whole number, e.g. 2024",
    "int_type": "a whole number, e.g. 2024",
    "float_parsing": "a number",
    "float_type": "a number",
    "string_type": "text (put TeX and text with colons in single quotes)",
    "list_type": "a list, e.g. [a, b]",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "bool_type": "true or false",
}


def _ctx_hint(error: dict) -> str:
    ctx = error.get("ctx") or {}
    if "expected" in ctx:
        return f"one of {ctx['expected']}"
    if "max_length" in ctx:
        return f"at most {ctx['max_length']} characters/items"
    if "min_length" in ctx:
        return f"at least {ctx['min_length']} characters/items"
    if "pattern" in ctx:
        return f"text matching {ctx['pattern']}"
    return "a value as documented in CONTRIBUTING.md and schema/models.schema.json"


def schema_problems(err: ValidationError, src: yamlsrc.LocatedYaml) -> list[Problem]:
    problems = []
    for e in err.errors():
        loc = tuple(e["loc"])
        model = _model_id_at(src, loc[1]) if len(loc) > 1 and loc[0] == "models" else None
        field = ".".join(str(p) for p in (loc[2:] if model else loc))
        kind = e["type"]
        if kind == "extra_forbidden":
            parent_cls = _class_at(loc[:-1])
            allowed = (
                ", ".join(f.alias or name for name, f in parent_cls.model_fields.items())
                if parent_cls
                else "the documented keys"
            )
            msg = f"unknown key '{loc[-1]}'; expected one of: {allowed}"
        elif kind == "missing":
            msg = f"missing field '{field}'; every model needs it (see CONTRIBUTING.md)"
        else:
            hint = _FIELD_HINTS.get(str(loc[-1])) or _TYPE_HINTS.get(kind) or _ctx_hint(e)
            got = e.get("input")
            got_text = f" (got {got!r})" if isinstance(got, str | int | float | bool) or got is None else ""
            msg = f"field '{field}': {e['msg'].lower()}{got_text}; expected {hint}"
        problems.append(Problem(src.line_of(loc), model, msg))
    return problems


def _class_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic class that validates the mapping at ``loc`` (for listing allowed keys)."""
    cls: type[BaseModel] = RegistryFile
    for step in loc:
        if isinstance(step, int):
            continue
        field = cls.model_fields.get(step)
        if field is None:
            return None
        ann = field.annotation
        for candidate in _classes_in(ann):
            cls = candidate
            break
        else:
            return None
    return cls


def _classes_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_classes_in(arg))
    return found
