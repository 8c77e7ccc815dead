"""Built-in format adapters, each an ordinary plugin (see ``auditor.hookspecs``)."""
