"""Official statistics a municipality compares its own indicators with (Statistics Finland's PxWeb tables).

Polku never fetches them itself: the user downloads a table as JSON-stat2 with ``curl`` (the query comes from
``polku pxweb query-template``) and imports the file with ``polku pxweb import FILE``. Modules:

- ``jsonstat``: a pure parser of JSON-stat 2.0 datasets into cells;
- ``tables``: what Polku knows of each PxWeb table (dimensions, variables, month codes) and the check of a
  parsed dataset against it;
- ``services``: the all-or-nothing import; ``selectors``: the series a KPI comparison reads.
"""
