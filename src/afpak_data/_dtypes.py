"""The pandas dtype of each Table Schema type: one definition, shared by loader and pandera.

=================  ==========================================================================
Table Schema       pandas
=================  ==========================================================================
string             ``"string"`` (``pd.StringDtype()``, missing = ``pd.NA``), not pandas 3's ``str``
string + enum      ``CategoricalDtype(categories=<enum in schema order>)``
date               ``datetime64[ns]`` (parsed as ``%Y-%m-%d``)
integer, year      ``Int64``
number             ``Float64``
boolean            ``boolean`` (Table Schema ``trueValues`` / ``falseValues``)
anything else      ``"string"``
=================  ==========================================================================

``"string"`` rather than ``str`` so that every missing value in a loaded table is ``pd.NA``, as
in the nullable ``Int64``/``boolean``/``Float64`` columns.
"""

from __future__ import annotations

from typing import Any

from afpak_data._descriptor import Field

DATE_UNIT = "datetime64[ns]"


def string_dtype() -> Any:
    """The dtype of text columns."""
    import pandas as pd

    return pd.StringDtype()


def pandas_dtype(field: Field) -> Any:
    """Return the pandas dtype a loaded column of ``field`` has."""
    import pandas as pd

    if field.type == "string" and field.enum is not None:
        return pd.CategoricalDtype(categories=list(field.enum), ordered=False)
    return {
        "integer": pd.Int64Dtype(),
        "year": pd.Int64Dtype(),
        "number": pd.Float64Dtype(),
        "boolean": pd.BooleanDtype(),
        "date": pd.api.types.pandas_dtype(DATE_UNIT),
    }.get(field.type, string_dtype())
