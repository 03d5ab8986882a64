"""Digests: select a day's articles, render Markdown/HTML, send email."""
