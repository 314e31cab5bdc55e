"""The division tables as sources (for ``matcher data summary`` and the manifest): the loaders live in
:mod:`matcher.geo.tables`, below every stage, and are only registered here."""

from matcher.geo.tables import LOADERS

__all__ = ["LOADERS"]
