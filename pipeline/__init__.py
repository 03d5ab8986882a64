"""The plain pipeline: jobs that wire the stages to storage (ingest, seed, digest, backfill walk,
retag). No Prefect here: the CLI, the Prefect flows, the scheduler, tests and benchmarks all call
these same drivers.
"""
