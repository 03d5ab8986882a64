"""Scrapers: sources, polite HTTP, discovery, extraction and the seed-corpus reader."""
