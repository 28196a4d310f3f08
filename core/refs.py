"""Lazy references: "package.module:attribute" strings resolved on first use.

Plugins name their builders and loaders this way so that listing a plugin
never imports TensorFlow; the module is imported only when the thing is used.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Union

Ref = Union[str, Callable[..., Any]]


def resolve(ref: Ref, what: str) -> Callable[..., Any]:
    """Returns the callable that `ref` names.

    Args:
        ref: a callable, or a "module:attribute" string naming one.
        what: what the reference is for, used in error messages
            (e.g. "builder of model 'mlp' in plugin 'vision'").

    Returns:
        The callable.

    Raises:
        ValueError: the string is malformed or names something not callable.
        ImportError / AttributeError: the module or attribute does not exist.
    """
    if callable(ref):
        return ref
    if not isinstance(ref, str) or ref.count(":") != 1:
        raise ValueError(f"{what}: expected a callable or 'module:attribute', received {ref!r}")
    module_name, attribute = ref.split(":")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f"{what}: {ref!r} is a {type(target).__name__}, not a callable")
    return target


def resolve_declared(ref: Ref, where: str) -> Callable[..., Any]:
    """`resolve` for a reference a plugin declared: any failure is the
    plugin's mistake and raises `PluginError`, naming it and the field.

    Args:
        ref: the reference.
        where: the plugin and field, e.g. "plugin 'vision', model 'cnn'.build".
    """
    from keraslab.core.errors import PluginError

    try:
        return resolve(ref, where)
    except ValueError as error:
        raise PluginError(str(error)) from None
    except Exception as error:  # an import can fail in any way
        raise PluginError(
            f"{where}: cannot resolve {ref!r}: {type(error).__name__}: {error}; "
            "check the module path and the attribute's name."
        ) from None
