"""The package layering of DESIGN.md holds: imports point down, each library has one owner, and
the conversation core reaches storage through its ports (no tables, no Redis client)."""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKER = ROOT.parent / "shared" / "tools" / "check_layers.py"
# Beyond ../shared/tools/check_layers.py: what the core (handlers/) must not import itself.
CORE_BANNED = {
    "handlers": ("redis", "storage.models"),
}
# Libraries the shared checker does not list, and the one package that may import each.
MORE_OWNERS = {"redis": "storage", "orjson": "bot"}
PACKAGES = ("bot", "notifications", "handlers", "knowledge", "storage")
# Channel names and links belong to the channels (bot/): below it a channel is an opaque name,
# and what the core must know of one (pushes, buttons, hand-offs) bootstrap tells it.
NAMELESS = ("handlers", "knowledge", "notifications", "storage")
CHANNEL_WORD = re.compile(r"\b(telegram|zalo)\b|\bt\.me\b", re.IGNORECASE)


def _imports(pkg: str) -> list[tuple[str, str]]:
    """(file:line, module) of every import in a package, relative ones resolved."""
    found = []
    for path in sorted((ROOT / pkg).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(f"{where}:{node.lineno}", a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((f"{where}:{node.lineno}", node.module))
                found += [
                    (f"{where}:{node.lineno}", f"{node.module}.{a.name}") for a in node.names
                ]
    return found


def test_imports_follow_the_layers() -> None:
    if not CHECKER.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHECKER} is missing under CI")
        pytest.skip("shared/tools/check_layers.py is not beside the project")
    spec = importlib.util.spec_from_file_location("check_layers", CHECKER)
    assert spec is not None and spec.loader is not None
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.argv", ["check_layers.py", str(ROOT)])
        status = checker.main()
    assert status == 0, out.getvalue()


def test_core_packages_never_import_a_channel_library() -> None:
    banned = ("aiogram", "aiohttp")
    offenders = [
        f"{where}: {mod}"
        for pkg in ("handlers", "knowledge", "storage", "notifications")
        for where, mod in _imports(pkg)
        if mod.split(".")[0] in banned
    ]
    assert offenders == []


@pytest.mark.parametrize("pkg", sorted(CORE_BANNED))
def test_the_core_reaches_storage_through_its_ports(pkg: str) -> None:
    offenders = [
        f"{where}: {mod}"
        for where, mod in _imports(pkg)
        if any(mod == b or mod.startswith(b + ".") for b in CORE_BANNED[pkg])
    ]
    assert offenders == []


@pytest.mark.parametrize("lib", sorted(MORE_OWNERS))
def test_each_library_has_one_owner(lib: str) -> None:
    offenders = [
        f"{where}: {mod}"
        for pkg in PACKAGES
        if pkg != MORE_OWNERS[lib]
        for where, mod in _imports(pkg)
        if mod.split(".")[0] == lib
    ]
    assert offenders == []


def _channel_words(source: str) -> Iterator[tuple[int, str]]:
    """(line, literal) of every string literal naming a channel; docstrings and comments,
    which explain rather than decide, are not literals here."""
    tree = ast.parse(source)
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docs
            and CHANNEL_WORD.search(node.value)
        ):
            yield node.lineno, node.value


def test_the_channel_name_check_sees_literals_not_docstrings() -> None:
    source = (
        '"""Telegram, Zalo and t.me named in a docstring."""\n'
        "# a comment on zalo\n"
        'A = "telegram"\n'
        'B = f"https://t.me/{A}?start=x"\n'
        'C = "Zalo OA"\n'
        'D = "zalo_tokens"  # a table: a word of its own, not the channel\n'
        "def f() -> None:\n"
        '    """On Telegram."""\n'
    )
    assert sorted(line for line, _ in _channel_words(source)) == [3, 4, 5]


@pytest.mark.parametrize("pkg", NAMELESS)
def test_below_bot_no_module_names_a_channel(pkg: str) -> None:
    paths = sorted((ROOT / pkg).rglob("*.py"))
    # Not vacuous: the package's modules are there and were read.
    assert len(paths) >= 5, f"{pkg}: {len(paths)} modules found under {ROOT / pkg}"
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {literal!r}"
        for path in paths
        for line, literal in _channel_words(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
