"""The JSON API. OpenAPI document at /api/openapi.json, interactive docs at /api/docs."""

from ninja import NinjaAPI

api = NinjaAPI(title="Polku API", version="0.1.0", urls_namespace="api")
