"""Curated data shipped with matcher as the package ``matcher.data`` (see pyproject.toml's package-dir).

Read it through :mod:`matcher.resources`, never by a path relative to the checkout, so that an
installed (non-editable) matcher finds it too. ``data/raw/`` (the default raw-data directory) is
git-ignored and never shipped.
"""
