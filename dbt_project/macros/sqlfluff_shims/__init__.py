"""Stand-ins for dbt's Jinja context, so sqlfluff's jinja templater can render our macros.

sqlfluff lints with its plain jinja templater (no dbt connection needed). dbt's context objects
(``adapter``, ``dbt``, ``api``) do not exist there; these modules provide just enough of them,
rendering the DuckDB flavour of every macro. dbt itself never reads this folder (it loads
only ``.sql`` and ``.yml`` files from macro paths). Listed as ``library_path`` in ``.sqlfluff``.
"""
