"""YAML loading that remembers where every value came from, so errors can name a line.

PyYAML's composer keeps a start mark on every node; we walk the node tree once and answer
"which line holds models[3].paper.arxiv?" for any path into the loaded data.
"""

from dataclasses import dataclass

import yaml


class YamlSyntaxError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass
class LocatedYaml:
    data: object
    root: yaml.Node | None

    def line_of(self, path: tuple) -> int:
        """1-based line of the deepest node along ``path`` (keys and list indices); 1 if nothing matches."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else 1
        for step in path:
            child = _child(node, step)
            if child is None:
                break
            node = child
            line = node.start_mark.line + 1
        return line


def _child(node, step):
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == step:
                # Point at the key, which is where a reader looks for "paper:" or "year:".
                return _Marked(value, key.start_mark) if not isinstance(value, yaml.ScalarNode) else key
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        return node.value[step]
    if isinstance(node, _Marked):
        return _child(node.node, step)
    return None


class _Marked:
    """A collection node reported at its key's line rather than its first child's line."""

    def __init__(self, node, mark):
        self.node = node
        self.start_mark = mark


# libyaml's safe loader and dumper where PyYAML was built with it (about five times faster on models.yaml);
# same nodes, marks, errors and output as the pure-Python ones. What reads or writes models.yaml uses them.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def load(text: str) -> LocatedYaml:
    # One parse: the node tree (with line marks) is composed once and the data constructed from it.
    loader = LOADER(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlSyntaxError(
            line, f"{err.problem or err}; fix the YAML syntax (indentation, quotes, colons)"
        ) from None
    finally:
        loader.dispose()
    return LocatedYaml(data, root)
