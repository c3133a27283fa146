"""Open data without login: Polku's aggregate indicators per municipality, employment area and month.

Modules:

- ``tables``: the published tables as data (indicators, and the identities between their measures that
  complementary suppression must respect);
- ``cube``: computes a whole table once (the KPI engine's measures and formulas) and suppresses it once
  (``polku.core.suppression``), so every query, format and page shows the same cells hidden;
- ``pxweb``: PxWeb API v1 vocabulary (listings, metadata, queries) and the JSON-stat 2.0, CSV and PX-JSON renderings;
- ``builds``/``tasks``/``models``: the worker's build of every table for a data version, stored per table (the cube and
  the default answers in each language); queued every minute when the data has changed, and after an import;
- ``publish``: what the API and the pages serve from the newest complete build, and its validators (ETag,
  Last-Modified); nothing is computed in a request;
- ``views``/``urls``: the public page ``/avoin-data/``, its downloads and the build's status page
  ``/avoin-data/tila/``. The PxWeb API is ``polku.api.open_data``.
"""
