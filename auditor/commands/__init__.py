"""Click commands, one module each; ``auditor.cli`` assembles them."""
