"""The open tables' build as a background job (``polku worker``): see ``polku.open_data.builds``."""

from __future__ import annotations

from django_tasks import task

from polku.open_data import builds
from polku.open_data.models import OpenTableBuild


@task()
def build_open_tables(build_id: int) -> str:
    """Build the open tables into build ``build_id``; its final state."""
    row = OpenTableBuild.objects.filter(pk=build_id).first()
    if row is None or row.state != "queued":
        return row.state if row is not None else "missing"
    return str(builds.run_build(row).state)
