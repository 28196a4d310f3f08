"""The plugin registry: discovery through entry points, loading on first use.

Plugins, built-in and third-party alike, declare an entry point in the group
`keraslab.plugins`::

    [options.entry_points]
    keraslab.plugins =
        vision = keraslab.plugins.vision:plugin

Discovery reads entry-point metadata only. A plugin's module is imported the
first time the plugin is used; the object it names may be a `Plugin` or a
function returning one. A plugin that fails to import, raises, returns the
wrong type, breaks the contract or claims a taken name is recorded with its
error and shown by `keraslab plugins`, and every other plugin keeps working.
That holds for a plugin that calls `sys.exit` or raises `KeyboardInterrupt`
at import too, and what a plugin prints while it loads is captured, not
mixed into keraslab's output (`PluginRecord.output`). Each load is timed
(`PluginRecord.load_seconds`), so a slow plugin can be named, and bounded: a
third-party plugin still importing after `load_timeout` seconds (60 by
default, `KERASLAB_PLUGIN_TIMEOUT` to change it) is recorded as broken, so
one that hangs at import cannot stall `keraslab plugins` or `list` (its
import goes on in a daemon thread, which ends with the process). Commands
load only the plugin they use. With `KERASLAB_STRICT_PLUGINS=1` a failure is
raised instead.

Names are settled before anything loads, whatever order the entry points
are read in: a built-in plugin keeps its name against any third party, and
two third-party plugins that claim one name are both refused.

Registries are plain objects: tests create fresh ones with the entry points
they want.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import threading
import time
from importlib import metadata
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from keraslab.core.contract import Plugin
from keraslab.core.errors import PluginError, UnknownNameError

ENTRY_POINT_GROUP = "keraslab.plugins"
BUILTIN_DISTRIBUTION = "keraslab"
BUILTIN_PACKAGE = "keraslab.plugins."
STRICT_ENV = "KERASLAB_STRICT_PLUGINS"
TIMEOUT_ENV = "KERASLAB_PLUGIN_TIMEOUT"
DEFAULT_LOAD_TIMEOUT = 60.0


@dataclasses.dataclass
class PluginRecord:
    """What the registry knows of one declared plugin.

    Attributes:
        name: the entry point's name.
        target: what the entry point points at ("module:attribute").
        distribution: the installed distribution that declared it.
        plugin: the loaded plugin, once loaded without error.
        error: why it could not be used, once that is known.
        output: what the plugin printed while it loaded.
        load_seconds: how long loading it took (None before it loads).
    """

    name: str
    target: str
    distribution: str
    plugin: Optional[Plugin] = None
    error: Optional[str] = None
    output: str = ""
    load_seconds: Optional[float] = None
    _entry_point: Any = dataclasses.field(default=None, repr=False)  # an importlib.metadata.EntryPoint

    @property
    def status(self) -> str:
        if self.error:
            return "broken"
        return "loaded" if self.plugin else "not loaded"

    @property
    def version(self) -> str:
        return self.plugin.version if self.plugin else ""

    @property
    def topic(self) -> str:
        return self.plugin.topic if self.plugin else ""


class Registry:
    """Plugins by name, loaded lazily from entry points.

    Args:
        entry_points: the entry points to consider (objects with `name`,
            `value`, `load()` and optionally `dist`); by default those
            installed in the group `keraslab.plugins`.
        strict: raise plugin failures instead of recording them; by default
            true when the environment sets KERASLAB_STRICT_PLUGINS=1.
        clock: seconds as a float, to time each load (tests pass a fake).
        load_timeout: seconds a third-party plugin may take to load before it
            is recorded as broken; None: KERASLAB_PLUGIN_TIMEOUT, else 60.
    """

    def __init__(
        self,
        entry_points: Optional[Iterable[Any]] = None,
        strict: Optional[bool] = None,
        clock: Callable[[], float] = time.perf_counter,
        load_timeout: Optional[float] = None,
    ):
        self._clock = clock
        self.load_timeout = _load_timeout() if load_timeout is None else load_timeout
        if entry_points is None:
            entry_points = metadata.entry_points(group=ENTRY_POINT_GROUP)
        self.strict = os.environ.get(STRICT_ENV, "") not in ("", "0") if strict is None else strict
        self._records: Dict[str, PluginRecord] = {}
        self._shadowed: List[PluginRecord] = []
        claims: Dict[str, List[PluginRecord]] = {}
        for entry_point in entry_points:
            dist = getattr(entry_point, "dist", None)
            record = PluginRecord(
                name=entry_point.name,
                target=entry_point.value,
                distribution=getattr(dist, "name", None) or "(unknown)",
                _entry_point=entry_point,
            )
            claimants = claims.setdefault(record.name, [])
            if any(c.target == record.target and c.distribution == record.distribution for c in claimants):
                continue  # the same distribution seen twice on sys.path
            claimants.append(record)
        for name, claimants in claims.items():
            kept, refused = _settle_claims(name, claimants)
            self._records[name] = kept
            self._shadowed.extend(refused)
            if self.strict and (refused or kept.error):
                raise PluginError(f"Plugin '{name}': {(refused or [kept])[0].error}.")

    # -- discovery (metadata only) ------------------------------------------ #

    def names(self) -> List[str]:
        """Names of the declared plugins, without importing any of them."""
        return sorted(self._records)

    # -- loading ------------------------------------------------------------ #

    def add(self, plugin: Plugin, distribution: str = "(in process)") -> None:
        """Registers an already-built plugin (tests, notebooks, scripts)."""
        from keraslab.core.validation import validate_plugin

        if plugin.name in self._records:
            raise PluginError(f"Plugin name '{plugin.name}' is already registered.")
        validate_plugin(plugin)
        self._records[plugin.name] = PluginRecord(
            plugin.name, f"{type(plugin).__module__}", distribution, plugin=plugin
        )

    def get(self, name: str) -> Plugin:
        """Returns the plugin called `name`, loading it on first use.

        Raises:
            UnknownNameError: no plugin of that name is declared.
            PluginError: the plugin is broken (the message says how).
        """
        record = self._records.get(name)
        if record is None:
            raise UnknownNameError("plugin", name, self.names())
        self._load(record)
        if record.error or record.plugin is None:
            raise PluginError(f"Plugin '{name}' ({record.distribution}) is broken: {record.error or 'not loaded'}")
        return record.plugin

    def record(self, name: str) -> Optional[PluginRecord]:
        """The record of plugin `name`, loaded (and none other), or None if
        no plugin of that name is declared."""
        record = self._records.get(name)
        if record is not None:
            self._load(record)
        return record

    def declared(self, name: str) -> Optional[PluginRecord]:
        """The record of plugin `name` without loading it (None if undeclared)."""
        return self._records.get(name)

    def records(self) -> List[PluginRecord]:
        """Every declared plugin, each loaded, with its status or error."""
        for record in self._records.values():
            self._load(record)
        return sorted(self._records.values(), key=lambda r: r.name) + self._shadowed

    def plugins(self) -> List[Plugin]:
        """The plugins that load without error."""
        return [r.plugin for r in self.records() if r.plugin is not None]

    def _load(self, record: PluginRecord) -> None:
        if record.plugin is not None or record.error is not None:
            return
        from keraslab.core.validation import validate_plugin

        captured = io.StringIO()
        started = self._clock()
        try:
            with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
                plugin = self._import(record)
            if not isinstance(plugin, Plugin):
                raise PluginError(
                    f"entry point {record.target} gave a {type(plugin).__name__}, expected a "
                    "keraslab.core.contract.Plugin (or a function returning one)"
                )
            if plugin.name != record.name:
                raise PluginError(f"entry point is named '{record.name}' but the plugin calls itself '{plugin.name}'")
            validate_plugin(plugin)
        except BaseException as error:  # a third party's bug, even sys.exit(), must not take the CLI down
            record.error = _one_line(error)
            if self.strict:
                raise PluginError(
                    f"Plugin '{record.name}' from '{record.distribution}' failed to load: {record.error}"
                ) from error
            return
        finally:
            record.load_seconds = self._clock() - started
            record.output = captured.getvalue()
        record.plugin = plugin

    def _import(self, record: PluginRecord) -> Any:
        """The entry point's object (called if it is a function). keraslab's
        own plugins load in this thread; a third party's in a daemon thread
        waited on for `load_timeout` seconds, so an import that hangs is
        reported instead of waited on for ever."""

        def load():
            loaded = record._entry_point.load()
            return loaded() if callable(loaded) and not isinstance(loaded, Plugin) else loaded

        if is_builtin(record):
            return load()
        outcome: Dict[str, Any] = {}

        def load_into_outcome():
            try:
                outcome["plugin"] = load()
            except BaseException as error:  # re-raised below, in the caller's thread
                outcome["error"] = error

        thread = threading.Thread(target=load_into_outcome, name=f"load plugin {record.name}", daemon=True)
        thread.start()
        thread.join(self.load_timeout)
        if thread.is_alive():
            raise PluginError(
                f"did not finish loading within {self.load_timeout:g} s (it may hang at import); "
                f"set {TIMEOUT_ENV}=SECONDS to wait longer"
            )
        if "error" in outcome:
            raise outcome["error"]
        return outcome["plugin"]


def is_builtin(record: PluginRecord) -> bool:
    """Whether keraslab itself declares this plugin (one of its topics)."""
    return record.distribution == BUILTIN_DISTRIBUTION and record.target.startswith(BUILTIN_PACKAGE)


def registry_of(context) -> Registry:
    """The registry of this command line invocation, for a plugin's click
    commands: the root context's `obj` (tests pass their own), made on
    first use.

    Args:
        context: any `click.Context` of the invocation.
    """
    root = context.find_root()
    if not isinstance(root.obj, Registry):
        root.obj = Registry()
    return root.obj


def _settle_claims(name: str, claimants: List[PluginRecord]) -> Tuple[PluginRecord, List[PluginRecord]]:
    """Which of the entry points that claim `name` gets it: (kept, refused).

    A built-in plugin keeps its name and every other claimant is refused.
    Two third-party claimants are both refused, since neither has a better
    right to the name. The order entry points are read in never matters.
    """
    if len(claimants) == 1:
        return claimants[0], []
    claimants = sorted(claimants, key=lambda r: (r.distribution, r.target))
    builtins = [r for r in claimants if is_builtin(r)]
    if len(builtins) == 1:
        kept = builtins[0]
        refused = [r for r in claimants if r is not kept]
        for record in refused:
            record.error = (
                f"distribution '{record.distribution}' declares plugin '{name}' ({record.target}), "
                f"but '{name}' is keraslab's built-in plugin, which was kept; rename the entry point "
                f"in '{record.distribution}'"
            )
        return kept, refused
    listed = " and ".join(f"'{r.distribution}' ({r.target})" for r in claimants)
    for record in claimants:
        record.error = (
            f"plugin name '{name}' is claimed by distributions {listed}; none of them was loaded: "
            "uninstall one, or rename its entry point"
        )
    return claimants[0], claimants[1:]


def _load_timeout() -> float:
    text = os.environ.get(TIMEOUT_ENV, "")
    try:
        seconds = float(text) if text else DEFAULT_LOAD_TIMEOUT
    except ValueError:
        raise PluginError(f"{TIMEOUT_ENV} must be a number of seconds, received '{text}'.") from None
    if not seconds > 0:
        raise PluginError(f"{TIMEOUT_ENV} must be more than 0 seconds, received '{text}'.")
    return seconds


def _one_line(error: BaseException) -> str:
    if isinstance(error, SystemExit):
        return f"called sys.exit({error.code!r}) while loading"
    if isinstance(error, KeyboardInterrupt):
        return "raised KeyboardInterrupt while loading"
    text = str(error).strip().splitlines()
    message = text[0] if text else ""
    if isinstance(error, PluginError):
        return message
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
