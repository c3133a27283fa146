"""``{% person_url 'casework:meeting_new' person.pk %}``: what ``{% url %}`` gives for a page of one person, without
reversing the URL for each person (``polku.web.links``)."""

from __future__ import annotations

import uuid

from django import template

from polku.web.links import person_url as address

register = template.Library()


@register.simple_tag
def person_url(name: str, person_id: uuid.UUID | str) -> str:
    return address(name, person_id)
