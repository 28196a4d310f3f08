"""keraslab's built-in topic plugins, each registered through the entry-point
group `keraslab.plugins` exactly as a third-party plugin would be."""
