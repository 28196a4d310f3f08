"""Calls sys.exit(3) at import."""

import sys

from keraslab_rude import note_import

note_import("exits")
sys.exit(3)
