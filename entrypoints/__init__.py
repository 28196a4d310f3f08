"""Command-line entry points: parse, call `keraslab.core`, print."""
