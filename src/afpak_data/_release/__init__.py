"""Comparing two versions of the package: the diff, its rendering and the release policy."""
