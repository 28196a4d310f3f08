"""keraslab's core: plugin contract, registry, configuration, trainer and export.

Nothing in here knows about any topic. Importing this package is cheap: the
modules that need TensorFlow import it themselves, so the CLI can list plugins
and print help without paying for it.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("keraslab")
except _metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"
