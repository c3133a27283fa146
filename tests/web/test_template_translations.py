"""Every constant a template translates is in the Swedish and English catalogues, as the template tag looks it up:
Django's ``{% translate %}`` doubles a ``%`` before the lookup, so a text with a per cent sign must be in the
catalogue as ``%%`` (a text entered with a single ``%`` is never found, and the page shows the Finnish)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import trans_real

TRANSLATE = re.compile(r"""\{%\s*(?:translate|trans)\s+(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')([^%]*)%\}""")


def template_texts() -> set[str]:
    texts = set()
    for template in (Path(settings.BASE_DIR) / "polku").rglob("templates/**/*.html"):
        for double, single, rest in TRANSLATE.findall(template.read_text(encoding="utf-8")):
            if "context" in rest or "noop" in rest:
                continue
            texts.add(double or single)
    return texts


def test_the_templates_translate_texts() -> None:
    texts = template_texts()
    assert len(texts) > 500
    assert "Aktivointiasteen tavoite %" in texts


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_translated_constant_is_in_the_catalogue(language: str) -> None:
    catalog = trans_real.translation(language)._catalog  # type: ignore[attr-defined]
    missing = sorted(text for text in template_texts() if text.replace("%", "%%") not in catalog)
    assert missing == []
