"""Packaging: manifest and hacs.json as HACS and hassfest want them; translations complete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.homesmartlink.errors import PLAN_KEYS, REFUSAL_KEYS

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components" / "homesmartlink"


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_manifest_keys_and_order() -> None:
    manifest = _load(INTEGRATION / "manifest.json")
    keys = list(manifest)
    # hassfest: domain, then name, then the other keys sorted.
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == "homesmartlink"
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] == "cloud_polling"
    assert manifest["integration_type"] == "hub"
    for key in ("codeowners", "documentation", "issue_tracker", "requirements", "version"):
        assert key in manifest
    # Custom integrations need a version that AwesomeVersion can read.
    assert all(part.isdigit() for part in manifest["version"].split("."))


def test_hacs_json() -> None:
    hacs = _load(ROOT / "hacs.json")
    assert hacs["name"] == "HomeSmartlink"
    assert hacs["homeassistant"] == "2025.4.0"
    assert set(hacs) <= {
        "name",
        "content_in_root",
        "zip_release",
        "filename",
        "hide_default_branch",
        "country",
        "homeassistant",
        "hacs",
        "persistent_directory",
        "render_readme",
    }


def _keys(tree: Any, prefix: str = "") -> set[str]:
    if isinstance(tree, dict):
        return {k for key, value in tree.items() for k in _keys(value, f"{prefix}{key}.")}
    return {prefix.rstrip(".")}


@pytest.mark.parametrize("language", ["en", "fr", "ru"])
def test_translations_complete(language: str) -> None:
    strings = _load(INTEGRATION / "strings.json")
    translation = _load(INTEGRATION / "translations" / f"{language}.json")
    assert _keys(translation) == _keys(strings)


def test_english_matches_strings() -> None:
    assert _load(INTEGRATION / "translations" / "en.json") == _load(INTEGRATION / "strings.json")


def test_placeholders_kept_in_every_language() -> None:
    import re

    strings = _load(INTEGRATION / "strings.json")

    def flat(tree: Any, prefix: str = "") -> dict[str, str]:
        if isinstance(tree, dict):
            out: dict[str, str] = {}
            for key, value in tree.items():
                out.update(flat(value, f"{prefix}{key}."))
            return out
        return {prefix: tree}

    english = flat(strings)
    for language in ("fr", "ru"):
        other = flat(_load(INTEGRATION / "translations" / f"{language}.json"))
        for key, text in english.items():
            assert set(re.findall(r"{\w+}", text)) == set(re.findall(r"{\w+}", other[key])), key


def test_icons_cover_translated_entities() -> None:
    icons = _load(INTEGRATION / "icons.json")["entity"]
    strings = _load(INTEGRATION / "strings.json")["entity"]
    assert set(icons["sensor"]) == set(strings["sensor"])
    assert set(icons["climate"]) == set(strings["climate"])


def test_brand_icon_is_a_png() -> None:
    data = (INTEGRATION / "brand" / "icon.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_api_package_has_no_home_assistant_import() -> None:
    for path in (INTEGRATION / "api").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "homeassistant" not in text, path


def test_every_error_key_in_the_code_is_translated() -> None:
    import re

    strings = _load(INTEGRATION / "strings.json")
    # Repair issues are raised with translation keys too; they live under "issues".
    exceptions = set(strings["exceptions"]) | set(strings["issues"])
    code = "\n".join(path.read_text() for path in INTEGRATION.rglob("*.py"))
    used = set(re.findall(r'translation_key="([a-z_]+)"', code))
    used |= set(re.findall(r'validation_error\(\s*"([a-z_]+)"', code))
    # The typed outcomes' keys, in the one table that names them.
    used |= set(REFUSAL_KEYS.values()) | set(PLAN_KEYS.values())
    # Issue and entity keys live elsewhere in strings.json.
    used -= {
        "gateway",
        "heater",
        "schedule",
        "request_diagnosis",
        "last_update",
        "last_ping",
        "gateway_version",
        "account",
    }
    assert used - exceptions == set()
    # And no key left behind by a change: every exception string is still raised somewhere.
    quoted = set(re.findall(r'"([a-z_]+)"', code))
    assert {key for key in strings["exceptions"] if key not in quoted} == set()


def test_services_yaml_matches_strings_and_icons() -> None:
    import yaml

    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    strings = _load(INTEGRATION / "strings.json")["services"]
    icons = _load(INTEGRATION / "icons.json")["services"]
    assert set(services) == set(strings) == set(icons)
    for name, service in services.items():
        assert set(service.get("fields", {})) <= set(strings[name].get("fields", {})), name
    assert set(services) == {
        "set_derogation",
        "get_derogation_report",
        "request_diagnosis",
        "get_diagnosis_result",
        "get_schedule",
        "sync_sber",
        "override",
        "resume_schedule",
        "start_campaign",
        "cancel_campaign",
        "get_campaign",
    }


def _git(*args: str) -> list[str]:
    import shutil
    import subprocess

    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a checkout (runs on the oldest leg)")
    result = subprocess.run(
        [git, "-C", str(ROOT), "-c", "safe.directory=*", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def test_no_tracked_file_is_ignored() -> None:
    # Build output (bytecode, coverage data, artifacts) tracked by mistake would reach users'
    # custom_components through HACS; .gitignore says what is build output.
    assert _git("ls-files", "--cached", "--ignored", "--exclude-standard") == []


def test_license_is_apache_2() -> None:
    # GitHub (and so HACS's license check) recognises the licence by its canonical text.
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith("Apache License")
    assert "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_hacs_layout() -> None:
    # HACS: exactly one integration under custom_components/, its manifest naming the same domain,
    # a README at the root, and the brand icon the integrations page shows (256 by 256 PNG).
    integrations = [
        p for p in (ROOT / "custom_components").iterdir() if p.is_dir() and p.name != "__pycache__"
    ]
    assert [p.name for p in integrations] == ["homesmartlink"]
    assert (ROOT / "README.md").is_file()
    manifest = _load(INTEGRATION / "manifest.json")
    for key in ("codeowners", "documentation", "issue_tracker"):
        assert manifest[key], key
    png = (INTEGRATION / "brand" / "icon.png").read_bytes()
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (256, 256)
