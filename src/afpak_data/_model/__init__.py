"""The one package model: where a package is (bundled, folder, file, URL), reading it once."""
