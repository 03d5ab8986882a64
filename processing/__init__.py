"""Processing: normalisation, dedup, story clustering and topic tagging (pure functions, no I/O)."""
