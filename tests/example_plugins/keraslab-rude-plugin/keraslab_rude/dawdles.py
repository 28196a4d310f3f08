"""Sleeps 1.5 s at import; otherwise a working plugin."""
import time

from keraslab_rude import note_import, tiny_plugin

note_import("dawdles")
time.sleep(1.5)
plugin = tiny_plugin("dawdles")
