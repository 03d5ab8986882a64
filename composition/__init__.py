"""The composition root: settings read once and turned into what the jobs take.

``cli/`` and ``flows/`` both build their runs here (settings, the sources file, the ingest
context, digest options, publishing after a run), so neither imports the other and everything
below ``composition/`` takes its parameters explicitly.
"""
