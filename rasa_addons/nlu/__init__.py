"""Custom NLU components (referenced by module path from config.yml)."""
