from django.apps import AppConfig


class ProvisionConfig(AppConfig):
    """Service provision: the municipality's service catalogue, referrals and participations, and its decisions
    (palkkatuki, starttiraha, kuntalisä) with the kuntalisä budget."""

    name = "polku.provision"
    label = "provision"
