"""``make compose-test``: docker-compose.yml run for real under podman, checked end to end.

No image registry is reachable here, so the registry images are replaced by stand-ins built from
a debootstrapped Debian base (``standins/``); the project image is built from the Dockerfile.
Services, environment, commands and healthchecks all come from ``docker-compose.yml``.
"""
