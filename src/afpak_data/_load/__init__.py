"""Typed tables from the model: the loader, its dtypes and the pandera schemas."""
