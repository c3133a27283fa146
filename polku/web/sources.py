"""Source citations as a reader sees them (kept here for the pages that import it; the rule is in
:mod:`polku.core.citations`, below every package that shows a citation, documents included)."""

from polku.core.citations import reader_source

__all__ = ["reader_source"]
