"""The ``newsmon`` command line: settings loading and the commands over the pipeline and flows."""
