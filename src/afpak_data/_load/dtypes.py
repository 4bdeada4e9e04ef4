"""The pandas dtype of each Table Schema type, shared by loader and pandera.

Text is ``pd.StringDtype()``, not pandas 3's ``str``, so that every missing value is ``pd.NA`` as in
the nullable numeric and boolean columns; an ``enum`` is categorical in the schema's order.
"""

from __future__ import annotations

import functools
from typing import Any

from afpak_data._model.descriptor import Field


def pandas_dtype(field: Field) -> Any:
    import pandas as pd

    if field.type == "string" and field.enum is not None:
        return _categorical(tuple(str(v) for v in field.enum))
    return {
        "integer": pd.Int64Dtype(),
        "year": pd.Int64Dtype(),
        "number": pd.Float64Dtype(),
        "boolean": pd.BooleanDtype(),
        "date": pd.api.types.pandas_dtype("datetime64[ns]"),
    }.get(field.type, pd.StringDtype())


@functools.cache
def _categorical(categories: tuple[str, ...]) -> Any:
    """One dtype per vocabulary (its values as text, as the cells are): pandas validates the
    categories each time one is made, a tenth of loading the real package."""
    import pandas as pd

    return pd.CategoricalDtype(categories=list(categories), ordered=False)
