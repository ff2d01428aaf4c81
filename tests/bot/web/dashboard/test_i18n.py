"""Every word on the dashboard exists in Dutch and English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.db.models import BookingStatus, LeadStatus, Role
from bot.web.dashboard import i18n
from bot.web.dashboard.templating import TEMPLATES_DIR

LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_]+)["']\s*[,)]""")
PYTHON_DIR = Path(i18n.__file__).parent


def used_keys() -> set[str]:
    """Keys written literally as t("key") in templates, or error="key"/title= in the code."""
    keys = set()
    for template in TEMPLATES_DIR.glob("*.html"):
        keys |= set(LITERAL_KEY.findall(template.read_text(encoding="utf-8")))
    for module in PYTHON_DIR.glob("*.py"):
        code = module.read_text(encoding="utf-8")
        keys |= set(re.findall(r"""(?:error|title|message)=["']([a-z0-9_]+)["']""", code))
    return keys


def test_every_key_used_in_a_template_has_both_languages() -> None:
    missing = sorted(key for key in used_keys() if key not in i18n.texts())
    assert missing == []


@pytest.mark.parametrize(
    "key",
    [
        *(f"status_{s.value}" for s in LeadStatus),
        *(f"booking_{s.value}" for s in BookingStatus),
        *(f"role_{r.value}" for r in Role),
    ],
)
def test_keys_built_from_states_exist(key: str) -> None:
    assert i18n.translate(key, "nl") != i18n.translate(key, "en") or key.startswith("status_")


def test_a_text_split_by_an_unquoted_comma_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "texts.yml"
    broken.write_text("hint: {nl: naam, e-mail, en: name, e-mail}\n", encoding="utf-8")
    monkeypatch.setattr(i18n, "TEXTS_FILE", broken)
    i18n.texts.cache_clear()
    try:
        with pytest.raises(ValueError, match="put texts with a comma in quotes"):
            i18n.texts()
    finally:
        i18n.texts.cache_clear()
