"""The task queues (django-tasks, ``settings.TASKS``): the general one, and the imports' own.

Imports have a queue of their own so that a worker can serve them alone (``make serve``, ``polku
serve-production``): a data steward's upload does not wait behind a refresh job that is already running.
"""

DEFAULT = "default"
IMPORTS = "imports"
ALL = (DEFAULT, IMPORTS)
