"""Raises KeyboardInterrupt at import."""

from keraslab_rude import note_import

note_import("interrupts")
raise KeyboardInterrupt
