"""Everything written from a valid package: exports, the static site, the bundle."""
