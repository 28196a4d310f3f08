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


def describe_error(error: BaseException, limit: int = 600) -> str:
    """An exception's message on one line, for run.json and one-line errors.

    TensorFlow's errors raised inside a traced function start "in user
    code:" and list the frames before the real message; those lines are
    dropped, and the rest is joined, so the cause is what is read.
    """
    lines, skip_code_line = [], False
    for line in str(error).splitlines():
        text = line.strip()
        if skip_code_line:  # the source line a traced frame quotes
            skip_code_line = False
            continue
        if text.startswith('File "'):
            skip_code_line = True
            continue
        if not text or text == "in user code:":
            continue
        if text.startswith("Call arguments received"):  # Keras lists the call's arguments after the cause
            break
        lines.append(text)
    message = " ".join(lines)
    if len(message) > limit:
        message = message[: limit - 1] + "…"
    name = type(error).__name__
    if isinstance(error, KeraslabError) or message.startswith(f"{name}:"):
        return message
    return f"{name}: {message}" if message else name
