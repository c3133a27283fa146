"""Open data without login: Polku's aggregate indicators per municipality, employment area and month.

Modules:

- ``tables``: the published tables as data (indicators, and the identities between their measures that
  complementary suppression must respect);
- ``cube``: computes a whole table once (the KPI engine's measures and formulas) and suppresses it once
  (``polku.core.suppression``), so every query, format and page shows the same cells hidden;
- ``pxweb``: PxWeb API v1 vocabulary (listings, metadata, queries) and the JSON-stat 2.0, CSV and PX-JSON renderings;
- ``publish``: the cache and the validators (ETag, Last-Modified) the API and the pages share;
- ``views``/``urls``: the public page ``/avoin-data/`` and its downloads. The PxWeb API is ``polku.api.open_data``.
"""
