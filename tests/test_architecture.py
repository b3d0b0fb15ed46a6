"""The shape of the code, checked: layers and types are enforced by `lint-imports` and
`mypy` in `make test`; what those tools cannot say is checked here."""

from __future__ import annotations

import ast
import fnmatch
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
MAX_LINES = 500
LONG_MARKER = "# Long on purpose:"


def _local_apps() -> list[str]:
    """Our own top-level packages among the installed apps (core, accounts, …, demo)."""
    return [
        config.name
        for config in apps.get_app_configs()
        if "." not in config.name and (ROOT / config.name / "__init__.py").exists()
    ]


def _modules(*packages: str) -> list[Path]:
    return sorted(
        path
        for package in packages
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_app_sits_in_a_layer():
    """A new app must be placed in the import-linter layers before it can import anything."""
    linter = PYPROJECT["tool"]["importlinter"]
    layers = {
        layer.strip("()")
        for contract in linter["contracts"]
        if contract["type"] == "layers"
        for layer in contract["layers"]
    }
    for app in [*_local_apps(), "portfolio"]:
        assert app in linter["root_packages"], f"{app} is not a root package of import-linter"
        assert app in layers, f"{app} is in no layer of the import-linter contract"


def test_the_kernel_is_an_app_and_the_bottom_layer():
    layers = next(
        c["layers"] for c in PYPROJECT["tool"]["importlinter"]["contracts"] if c["type"] == "layers"
    )
    assert layers[-1] == "core"
    assert "core" in _local_apps()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_module_imports_another_apps_private_names():
    """`from invoicing.x import _helper` in engagements couples it to a detail; shared
    helpers belong in the kernel (core/) or in the owning app's public API."""
    ours = {*_local_apps(), "portfolio"}
    offences = []
    for path in _modules(*ours, "bench"):
        own = path.relative_to(ROOT).parts[0]
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not node.module or node.level:
                continue
            target = node.module.split(".")[0]
            if target == own or target not in ours:
                continue
            private_module = any(_private(part) for part in node.module.split("."))
            private_names = [a.name for a in node.names if _private(a.name)]
            if private_module or private_names:
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}")
    assert not offences, "private names imported across apps:\n" + "\n".join(offences)


def test_every_service_and_selector_module_is_type_checked_strictly():
    """pyproject's strict mypy override must list every services/selectors module (mypy
    reads a leading '*' as match-all, so the list is explicit and this keeps it complete)."""
    strict = [
        pattern
        for override in PYPROJECT["tool"]["mypy"]["overrides"]
        if override.get("disallow_untyped_defs")
        for pattern in override["module"]
    ]
    missing = []
    for path in _modules(*_local_apps()):
        name = _module_name(path)
        parts = name.split(".")
        if not ({"services", "selectors"} & set(parts)) and parts[0] != "core":
            continue
        if not any(fnmatch.fnmatchcase(name, p) or name == p.removesuffix(".*") for p in strict):
            missing.append(name)
    assert not missing, f"add to the strict mypy override in pyproject.toml: {missing}"


def test_no_module_is_long_without_a_reason():
    """One concept per module: past ~500 lines a module says at its top why it is long."""
    long = []
    for path in _modules(*_local_apps(), "portfolio", "bench", "tests"):
        lines = path.read_text().splitlines()
        if len(lines) > MAX_LINES and not any(line.startswith(LONG_MARKER) for line in lines[:3]):
            long.append(f"{path.relative_to(ROOT)} ({len(lines)} lines)")
    assert not long, f"split these, or start them with '{LONG_MARKER} <reason>':\n" + "\n".join(
        long
    )
