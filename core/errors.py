"""Errors a user can cause, and how the CLI shows them.

Every mistake a user can make (an unknown name, a bad config value, a run
directory that is not a run) raises a `KeraslabError`. The CLI prints its
message as one line and exits with status 2; it never shows a traceback for
them. Bugs stay ordinary exceptions, so they keep their traceback.
"""


class KeraslabError(Exception):
    """A mistake in what the user asked for; the message says what and why."""

    exit_code = 2


class UnknownNameError(KeraslabError):
    """A plugin, model, dataset or other name that does not exist."""

    def __init__(self, kind: str, name: str, available, where: str = ""):
        listed = ", ".join(sorted(available)) or "(none)"
        place = f" for {where}" if where else ""
        super().__init__(f"Unknown {kind} '{name}'{place}. Available: {listed}.")
        self.kind, self.name, self.available = kind, name, tuple(available)


class ConfigError(KeraslabError):
    """A configuration file or override that cannot be applied."""


class PluginError(KeraslabError):
    """A plugin that could not be loaded or does not honour the contract."""


class RunError(KeraslabError):
    """A run directory that cannot be used as asked (missing, incomplete, taken)."""
