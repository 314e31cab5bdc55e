"""The planners' workbench (issue 17): the bureau's lead pipeline over matcher's recommendations.

- :mod:`.link`     the ONE seam to the rest of matcher (a Protocol and its work-directory implementation)
- :mod:`.outcomes` signed/landed leads as labelled outcomes (``WORKDIR/outcomes.parquet``), with a reader
  that depends on nothing else here
- :mod:`.config`   settings, stages, the deadline rules and the pre-review card (both data files)
- :mod:`.models`, :mod:`.db`, ``migrations/``   SQLAlchemy 2 tables, engines (SQLite WAL / PostgreSQL),
  Alembic migrations, logical backup and restore
- :mod:`.services` every read and write, scoped by the user's role and unit, audited
- :mod:`.reports`  weekly dispatch, half-monthly bulletin, monthly assessment; Excel in planners' terms
- :mod:`.web`      FastAPI routes with Jinja2 pages
"""
