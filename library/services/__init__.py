"""Writes of the library app, by sub-domain: jobs, videos, temp."""
