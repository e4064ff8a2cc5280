"""One module per dashboard page; each has ``TITLE``, ``ICON``, ``URL`` and ``render()``."""
