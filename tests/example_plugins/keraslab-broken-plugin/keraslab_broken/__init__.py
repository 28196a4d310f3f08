"""A deliberately broken plugin: its import fails, as a real plugin's might
when one of its dependencies is missing."""

import a_module_that_is_not_installed  # noqa: F401

plugin = None
