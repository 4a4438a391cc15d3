"""The review workflow's pure parts: agreement between raters (no I/O)."""
