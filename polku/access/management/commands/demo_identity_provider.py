"""``polku demo_identity_provider [--port 9400]``: the demo's OpenID Connect test provider (see
:mod:`polku.access.demo_identity`). For the demo only: its sign-in form lets anyone be any of its users."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from polku.access.demo_identity import DEMO_CLIENTS, DEMO_PROVIDER_PORT, DEMO_USERS


class Command(BaseCommand):
    help = "Run the demo's identity provider (an OpenID Connect test provider with demo staff users and clients)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=DEMO_PROVIDER_PORT)

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn
        from oidc_provider_mock import app
        from oidc_provider_mock._storage import User

        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain http on loopback, as in the demo
        users = [User(sub=u["sub"], claims={k: v for k, v in u.items() if k != "sub"}) for u in DEMO_USERS + DEMO_CLIENTS]
        uvicorn.run(app(user_claims=users, access_token_max_age=timedelta(hours=1)), interface="wsgi",
                    host="127.0.0.1", port=options["port"], log_level="warning")
