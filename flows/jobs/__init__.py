"""Plain-Python jobs that wire the stages together (no Prefect here).

The CLI, the Prefect flows, the tests and the benchmarks all call these, so the same code runs
with or without an orchestrator.
"""
