"""Helpers of the JSON API tests: a logged-in client, a JSON POST, and the fields an error answer names."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client


def client_for(profile: Any) -> Client:
    client = Client()
    client.force_login(profile.user)
    return client


def post(client: Client, url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = client.post(url, data=json.dumps(body, default=str), content_type="application/json")
    return response.status_code, (response.json() if response.content else {})


def error_fields(body: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["field"], e["code"]) for e in body["errors"]}
