"""Reading the policy file: YAML that refuses a key given twice, and errors worded as one
line naming the field."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

# one-line errors ------------------------------------------------------------------------
_HINTS = {"slack_command": "unknown key (the slash command is a setting: SLACK_COMMAND)"}
# pydantic names the member of a union in the error's location ("break_glass.BreakGlass"):
# those tags are not keys of the file, and the "or false" member's complaint is noise.
_UNION_TAGS = {"BreakGlass", "Escalation"}


def one_line(source: str, exc: ValidationError) -> str:
    errors = [
        e for e in exc.errors() if not any(str(p).startswith("literal[") for p in e["loc"])
    ] or exc.errors()
    first = errors[0]
    path = _path(first["loc"])
    where = f"{path}: " if path else ""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return flat(f"{source}: {where}{_message(first, path)}{more}")


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]" and part not in _UNION_TAGS:
            out += f".{part}" if out else part
    return out


def _message(error: ErrorDetails, path: str) -> str:
    ctx = error.get("ctx", {})
    kind = error["type"]
    if kind == "extra_forbidden":
        return _HINTS.get(path, "unknown key")
    simple = {
        "missing": "is required",
        "greater_than_equal": f"must be >= {ctx.get('ge')}",
        "less_than_equal": f"must be <= {ctx.get('le')}",
        "int_type": "must be a whole number",
        "string_type": "must be a string",
        "tuple_type": "must be a list",
        "dict_type": "must be a mapping",
        "model_type": "must be a mapping",
        "too_short": "must not be empty",
    }
    if kind in simple:
        if kind.endswith("_type"):
            given = repr(error["input"])
            return f"{simple[kind]}, not {given if len(given) <= 40 else given[:37] + '...'}"
        return simple[kind]
    return str(error["msg"]).removeprefix("Value error, ")


def flat(text: str) -> str:
    return " ".join(text.split())


def yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        text = f"{_at(exc.problem_mark)}: {exc.problem}"
        if exc.context and exc.context_mark is not None:  # where the unclosed thing began
            text += f" ({exc.context} at {_at(exc.context_mark)})"
        return flat(text)
    return flat(f"not valid YAML ({exc})")


def _at(mark: yaml.Mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # "<<: *base" then overriding a key of base is the point of merging
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"{key!r} appears twice", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)
