from django.apps import AppConfig


class MunicipalShareConfig(AppConfig):
    """The municipal share of unemployment benefits (työttömyysetuuksien kuntaosuus): rules, engine, checks."""

    name = "polku.municipal_share"
    label = "municipal_share"

    def ready(self) -> None:
        from polku.municipal_share.models import KelaInvoiceLine
        from polku.people.key_rotation import register_hash_copy

        # Invoice lines keep the look-up hash of the identity code they name: a key rotation re-hashes them too.
        register_hash_copy(KelaInvoiceLine)
        # The early-warning list and the share summaries are computed by the worker: it must know the computations too.
        import polku.municipal_share.summary
        import polku.municipal_share.warning_jobs  # noqa: F401
