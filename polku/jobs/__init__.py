"""Background jobs: django-tasks with its database backend, the ``polku worker`` command, scope locks and progress.

Tasks are defined with ``django_tasks.task`` in the calling app's own ``tasks.py`` and enqueued with
``some_task.enqueue(...)``; ``polku worker`` (started beside the server by ``make demo``) runs them.
"""
