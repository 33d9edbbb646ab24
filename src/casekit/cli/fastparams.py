"""Direct value coercion for casekit's command-line parameters.

Recent Typer releases coerce every parameter value through a pydantic `TypeAdapter`:
importing pydantic and building the adapters costs about 100 ms on every command, most of
a `casekit show`. casekit's parameters are text, paths, enums (choices) and lists of them;
for those this module coerces values directly with Typer's own helpers (same results, same
error messages bar pydantic's "Value error, " prefix), and leaves every other annotation to
Typer. When Typer's internals differ from what it expects, it changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

from casekit.i18n import _

Leaf = Callable[[Any, Any, Any], Any]
_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}


def install() -> bool:
    """Give Typer's parameters the direct coercion; False when Typer's internals differ."""
    try:
        from typer import core
        from typer._click.exceptions import BadParameter
        from typer._coercion import RuntimeParam, build_runtime_param
        from typer._param_types import coerce_cli_choice, coerce_cli_path, routes_to_path
    except ImportError:  # pragma: no cover - another Typer layout: keep its own coercion
        return False
    parameter_class = getattr(core, "_TyperParameter", None)
    if parameter_class is None or not hasattr(parameter_class, "get_runtime_param"):
        return False  # pragma: no cover

    @dataclass(frozen=True)
    class DirectRuntimeParam(RuntimeParam):
        leaf: Leaf
        many: bool

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                if self.many:
                    items = value if isinstance(value, list | tuple) else [value]
                    return [self.leaf(item, param, ctx) for item in items]
                return self.leaf(value, param, ctx)
            except ValueError as exc:
                raise BadParameter(str(exc), ctx=ctx, param=param) from None

    def text(value: Any, param: Any, ctx: Any) -> str:
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        if value is None:
            raise ValueError(_("None is not a valid string"))
        return str(value)

    def flag(value: Any, param: Any, ctx: Any) -> bool:
        # as pydantic's lax bool after Typer's own stripping (an empty string is false)
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().lower()
            if word in _TRUE:
                return True
            if word in _FALSE or word == "":
                return False
        raise ValueError(_("Input should be a valid boolean, unable to interpret input"))

    def leaf_for(annotation: Any, info: Any) -> Leaf | None:
        if info.parser is not None:
            return None
        if annotation is str:
            return text
        if annotation is bool:
            return flag
        if isinstance(annotation, type) and issubclass(annotation, Enum):
            choices = tuple(annotation)

            def choice(value: Any, param: Any, ctx: Any) -> Any:
                return coerce_cli_choice(value, choices=choices, case_sensitive=info.case_sensitive, ctx=ctx)

            return choice
        if isinstance(annotation, type) and issubclass(annotation, Path) and routes_to_path(annotation, info):
            path_type = info.path_type or annotation

            def path(value: Any, param: Any, ctx: Any) -> Any:
                return coerce_cli_path(value, info, path_type=path_type, param=param, ctx=ctx)

            return path
        return None

    def direct(descriptor: Any) -> Any:
        if descriptor.file_annotation is not None:
            return None
        annotation, info = descriptor.annotation, descriptor.parameter_info
        many = get_origin(annotation) is list
        if many:
            args = get_args(annotation)
            if len(args) != 1:
                return None
            annotation = args[0]
        leaf = leaf_for(annotation, info)
        if leaf is None:
            return None
        return DirectRuntimeParam(parameter_info=info, annotation=descriptor.annotation, leaf=leaf, many=many)

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            descriptor = self.type_descriptor
            self._runtime_param = direct(descriptor) or build_runtime_param(descriptor)
        return self._runtime_param

    parameter_class.get_runtime_param = get_runtime_param
    return True
