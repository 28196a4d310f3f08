"""Prints at import, to stdout and stderr; otherwise a working plugin."""

import sys

from keraslab_rude import note_import, tiny_plugin

note_import("chatty")
print("hello from chatty")
print("chatty warns", file=sys.stderr)
plugin = tiny_plugin("chatty")
