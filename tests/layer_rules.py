"""The layer table of docs/architecture.md as rules, and the checker that
reads every module's imports (its AST, without importing it) against them.

`violations(module, source)` lists what one module does wrong;
`tests/test_layers.py` runs it over the source tree and on snippets of each
kind of violation, and checks that the table in the docs says what these
rules say.
"""

from __future__ import annotations

import ast
import configparser
import dataclasses
import fnmatch
import re
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from keraslab.core.contract import TASKS  # "generative" is a task as well as a topic
from keraslab.core.tuning import SEARCHERS  # "bayesian" is a searcher as well as a topic

# Words core uses in a sense of its own that happen to be topics' names too
# ("graph": a TensorFlow graph, as in `tf.function`'s concrete graph).
CORE_VOCABULARY = frozenset(TASKS) | frozenset(SEARCHERS) | frozenset({"graph"})

ROOT = Path(__file__).resolve().parent.parent
TENSORFLOW = ("tensorflow", "tensorflow_probability", "tf_agents", "keras", "tf_keras")
HEAVY = TENSORFLOW + ("numpy", "matplotlib", "sklearn", "scipy", "statsmodels", "gym", "PIL")


@dataclasses.dataclass(frozen=True)
class Layer:
    """One row of the table: core modules, bottom row first.

    Attributes:
        name: what the row is called in the docs.
        modules: the modules in it (fnmatch patterns).
        top_level: the third-party packages its modules may import at module
            level ("*": any); others only inside the function that needs them.
        purpose: what the layer is for, for the docs.
    """

    name: str
    modules: Tuple[str, ...]
    top_level: Tuple[str, ...]
    purpose: str


LAYERS = (
    Layer(
        "declarations",
        (
            "keraslab.core",
            "keraslab.core.errors",
            "keraslab.core.contract",
            "keraslab.core.validation",
            "keraslab.core.refs",
            "keraslab.core.trusted_imports",
            "keraslab.core.paths",
            "keraslab.core.config",
            "keraslab.core.rundir",
            "keraslab.core.registry",
            "keraslab.core.machine",
        ),
        (),
        "the plugin contract and its checks, configs, run directories, the registry",
    ),
    Layer(
        "data",
        (
            "keraslab.core.data",
            "keraslab.core.linked",
            "keraslab.core.streams",
            "keraslab.core.records",
            "keraslab.core.image_folders",
            "keraslab.core.tfrecords",
            "keraslab.core.csv_records",
            "keraslab.core.convert",
            "keraslab.core.tfds_data",
            "keraslab.core.data_checks",
            "keraslab.core.tables",
            "keraslab.core.sample_data",
            "keraslab.core.building",
            "keraslab.core.plots",
        ),
        ("numpy",),
        "examples in memory or streamed from files and record files, linked examples (a graph's nodes), "
        "their splits and checks, conversion to TFRecord shards, building a model, plots",
    ),
    Layer(
        "export",
        ("keraslab.core.export", "keraslab.core.export.*"),
        ("*",),
        "SavedModels from a built model and its signatures; local predict",
    ),
    Layer(
        "trainer",
        ("keraslab.core.trainer", "keraslab.core.trainer.*"),
        ("*",),
        "the one training loop under tf.distribute, and the agent loop",
    ),
    Layer(
        "runs",
        (
            "keraslab.core.actions",
            "keraslab.core.studies",
            "keraslab.core.quickstart",
            "keraslab.core.testing",
            "keraslab.core.tuning",
            "keraslab.core.api",
        ),
        (),
        "what a verb does to a run (train, resume, evaluate, export, tune); the public API",
    ),
)
ENTRYPOINTS = "keraslab.entrypoints"
PLUGINS = "keraslab.plugins"
PUBLIC_API = "keraslab.core.api"
#: Plugin modules that declare and so must stay cheap to import, besides the package itself.
DECLARATION_MODULES = ("config",)


def package_dirs() -> Dict[str, str]:
    """setup.cfg's package_dir: {package: folder}, the map from files to modules."""
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    pairs = [line.split("=") for line in parser["options"]["package_dir"].strip().splitlines()]
    return {package.strip(): folder.strip() for package, folder in pairs}


def source_modules() -> Iterator[Tuple[str, Path]]:
    """(module name, file) of every module keraslab installs."""
    for package, folder in package_dirs().items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join([package, *parts]), path


def layer_of(module: str) -> Optional[int]:
    for index, layer in enumerate(LAYERS):
        if any(fnmatch.fnmatchcase(module, pattern) for pattern in layer.modules):
            return index
    return None


def plugin_of(module: str) -> Optional[str]:
    parts = module.split(".")
    return parts[2] if module.startswith(PLUGINS + ".") and len(parts) > 2 else None


@dataclasses.dataclass(frozen=True)
class Import:
    module: str
    line: int
    top_level: bool


def imports_of(source: str, known_modules: Sequence[str] = ()) -> List[Import]:
    """Every import of a module's source, with whether it runs at import
    time. `from a import b` counts as importing `a.b` where that is a module."""
    tree = ast.parse(source)
    known = set(known_modules)
    found = []
    for node, top_level in _walk(tree, True):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno, top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.append(Import(submodule if submodule in known else node.module, node.lineno, top_level))
    return found


def _walk(node: ast.AST, top_level: bool) -> Iterator[Tuple[ast.AST, bool]]:
    for child in ast.iter_child_nodes(node):
        yield child, top_level
        nested = top_level and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            continue  # imports for the type checker only never run
        yield from _walk(child, nested)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def strings_of(source: str) -> List[Tuple[str, int]]:
    """The string constants of a module that are not docstrings."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        (node.value, node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def violations(module: str, source: str, known_modules: Sequence[str] = (), topics: Sequence[str] = ()) -> List[str]:
    """What `module` (given its source) imports or names that the table forbids.

    Args:
        module: the module's name ("keraslab.core.export.serving").
        source: its text.
        known_modules: every keraslab module, to tell `from a import b` of a
            module from that of a name.
        topics: the built-in plugins' names, which core must not name.
    """
    found = []
    for imported in imports_of(source, known_modules):
        problem = _import_problem(module, imported)
        if problem:
            found.append(f"{module}:{imported.line} imports {imported.module}: {problem}")
    for text, line in strings_of(source):
        problem = _string_problem(module, text, topics)
        if problem:
            found.append(f"{module}:{line} names {text!r}: {problem}")
    return found


def _import_problem(module: str, imported: Import) -> Optional[str]:
    target, top = imported.module, imported.top_level
    root = target.split(".")[0]
    plugin = plugin_of(module)
    if plugin is not None:
        if target.startswith(ENTRYPOINTS):
            return "a plugin never imports the command line; take the registry with api.registry_of(ctx)"
        if target.startswith("keraslab.core") and target not in (PUBLIC_API, "keraslab.core"):
            return f"a plugin imports keraslab's core through {PUBLIC_API} only"
        if target.startswith(PLUGINS + ".") and plugin_of(target) not in (None, plugin):
            return f"plugin '{plugin}' may not import another plugin"
        declares = module.count(".") == 2 or module.split(".")[-1] in DECLARATION_MODULES
        if top and declares and root in HEAVY:
            return "a plugin's declaration imports no TensorFlow or NumPy at module level (listing plugins stays cheap)"
        return None
    if module.startswith(ENTRYPOINTS):
        if target.startswith(PLUGINS):
            return "the command line names no plugin; it asks the registry"
        if top and root in HEAVY:
            return "the command line imports TensorFlow and NumPy only inside the commands that need them"
        return None
    own = layer_of(module)
    if own is None:
        return None  # reported by the test that every module has a layer
    if target.startswith(PLUGINS):
        return "core knows no plugin"
    if target.startswith(ENTRYPOINTS):
        return "core never imports the command line"
    if target.startswith("keraslab"):
        theirs = layer_of(target)
        if theirs is not None and theirs > own:
            return (
                f"layer '{LAYERS[own].name}' may not import layer '{LAYERS[theirs].name}' (not even inside a function)"
            )
        return None
    allowed = LAYERS[own].top_level
    if top and root in HEAVY and "*" not in allowed and root not in allowed:
        return (
            f"layer '{LAYERS[own].name}' imports {root} only inside the function that needs it "
            f"(at module level: {', '.join(allowed) or 'the standard library only'})"
        )
    return None


_PLUGIN_REFERENCE = re.compile(r"keraslab\.plugins\.([A-Za-z_][A-Za-z0-9_]*)")
_CORE_REFERENCE = re.compile(r"keraslab\.core\.([A-Za-z_][A-Za-z0-9_.]*)")


def _string_problem(module: str, text: str, topics: Sequence[str]) -> Optional[str]:
    plugin = plugin_of(module)
    referenced = {match.group(1) for match in _PLUGIN_REFERENCE.finditer(text)}
    if plugin is not None:
        others = sorted(referenced - {plugin})
        if others:
            return f"plugin '{plugin}' refers to plugin '{others[0]}' (a string reference is an import too)"
        internals = [m.group(1) for m in _CORE_REFERENCE.finditer(text) if m.group(1).split(".")[0] != "api"]
        if internals:
            return f"a plugin refers to keraslab's core through {PUBLIC_API} only"
        return None
    if module.startswith("keraslab.core"):
        if referenced & set(topics) or (text in topics and text not in CORE_VOCABULARY):
            return "core knows no topic: let the plugin declare what core needs (a field of Plugin or ModelSpec)"
    return None


def render_table() -> str:
    """The layer table as docs/architecture.md shows it."""
    rows = ["| layer | modules | imports at module level | what it is |", "| --- | --- | --- | --- |"]
    for layer in LAYERS:
        modules = ", ".join(f"`{m}`" for m in layer.modules)
        allowed = (
            "anything installed" if "*" in layer.top_level else ", ".join(layer.top_level) or "the standard library"
        )
        rows.append(f"| {layer.name} | {modules} | {allowed} | {layer.purpose} |")
    return "\n".join(rows)
