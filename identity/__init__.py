"""Identity capability: native connected components and scored match suggestions.

* :mod:`identity.components` connected components of an edge list (scipy over Arrow/NumPy), the
  native path the dbt macro ``identity_connected_components`` takes on DuckDB;
* :mod:`identity.duckdb_plugin` the dbt-duckdb plugin that registers it as a SQL function;
* :mod:`identity.suggest` probabilistic match suggestions (Splink, Fellegi-Sunter by EM).

Imports only :mod:`core` (and third-party libraries), never a front end.
"""
