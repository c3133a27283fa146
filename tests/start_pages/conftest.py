"""The case-work office (a Kuopio team, a client ten working days into the job search, an outsider) for the start
pages, and staff of the roles without clients."""

from tests.casework.conftest import office  # noqa: F401 - a fixture, used by name
