"""Every test in the suite checks something: a test that asserts nothing passes whatever the code does.

An AST scan of tests/: each `test_*` function must contain an `assert`, a `pytest.raises`/`pytest.fail`, or a call
to a helper that checks: one named `assert_*`/`expect_*`, or a function called by its plain name (`_done(vm)`) that
is defined under tests/ and itself checks, followed through helpers calling helpers. A method call
(`sandbox_api.get(...)`) counts only when named `assert_*`/`expect_*`: by name alone, `get` would also credit every
`dict.get`. The few tests that hand the checking to a tool are listed in DELEGATED, with why.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# (path under tests/, test name): what does the checking instead.
DELEGATED: dict[tuple[str, str], str] = {
    ("api/test_openapi_conformance.py", "test_every_operation_answers_as_documented"): (
        "schemathesis: call_and_validate() fails the test on any answer the OpenAPI document does not allow"
    ),
}
CHECK_PREFIXES = ("assert_", "expect_")
PYTEST_CHECKS = ("raises", "fail", "warns")


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _called_name(call: ast.Call) -> str | None:
    """The name of a plain call (`helper()`), or of a method call named like a check (`api.expect_ok()`)."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and func.attr.startswith(CHECK_PREFIXES):
        return func.attr
    return None


def _is_pytest_check(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in PYTEST_CHECKS
        and isinstance(func.value, ast.Name)
        and func.value.id == "pytest"
    )


def _is_check_call(node: ast.AST) -> bool:
    """pytest.raises/fail/warns, or a call named `assert_*`/`expect_*` (a function or a method)."""
    if not isinstance(node, ast.Call):
        return False
    name = _called_name(node)
    return _is_pytest_check(node) or (name is not None and name.startswith(CHECK_PREFIXES))


def _checks_directly(function: ast.AST) -> bool:
    return any(isinstance(node, ast.Assert) or _is_check_call(node) for node in ast.walk(function))


def _calls(function: ast.AST) -> set[str]:
    return {name for node in ast.walk(function) if isinstance(node, ast.Call) and (name := _called_name(node))}


def _modules() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(), str(path)) for path in sorted(TESTS.rglob("*.py"))}


def checking_helpers(modules: dict[Path, ast.Module]) -> set[str]:
    """Names of the functions and methods under tests/ that check, directly or through one another."""
    calls: dict[str, set[str]] = {}
    checking: set[str] = set()
    for tree in modules.values():
        for function in _functions(tree):
            calls.setdefault(function.name, set()).update(_calls(function))
            if _checks_directly(function):
                checking.add(function.name)
    grew = True
    while grew:
        grew = False
        for name, called in calls.items():
            if name not in checking and called & checking:
                checking.add(name)
                grew = True
    return checking


def unchecked_tests(modules: dict[Path, ast.Module]) -> list[tuple[str, str]]:
    """(path under tests/, test name) of every test function that checks nothing and is not DELEGATED."""
    helpers = checking_helpers(modules)
    found = []
    for path, tree in modules.items():
        if not path.name.startswith("test_"):
            continue
        for function in _functions(tree):
            if not function.name.startswith("test_"):
                continue
            key = (path.relative_to(TESTS).as_posix(), function.name)
            checks = _checks_directly(function) or bool(_calls(function) & helpers)
            if not checks and key not in DELEGATED:
                found.append(key)
    return found


def test_every_test_function_asserts_raises_or_calls_a_checking_helper() -> None:
    unchecked = unchecked_tests(_modules())

    assert unchecked == [], "tests that check nothing (assert something, or list them in DELEGATED with why):\n" + (
        "\n".join(f"  tests/{path}::{name}" for path, name in unchecked)
    )


def test_the_delegated_tests_exist_and_check_nothing_themselves() -> None:
    modules = _modules()
    helpers = checking_helpers(modules)
    for (path, name), why in DELEGATED.items():
        (function,) = [f for f in _functions(modules[TESTS / path]) if f.name == name]
        assert not _checks_directly(function), f"{path}::{name} checks: drop it from DELEGATED"
        assert not _calls(function) & helpers, f"{path}::{name} calls a checking helper: drop it from DELEGATED"
        assert why


def test_the_scan_finds_a_test_without_a_check_and_credits_a_helper_that_checks() -> None:
    source = """
def _check(value):
    assert value

def _wraps(value):
    _check(value)

def test_nothing():
    x = 1

def test_through_helpers():
    _wraps(1)

def test_only_a_method_that_happens_to_share_a_helpers_name():
    {}.get("x")

def get(value):
    assert value

def test_a_method_named_as_a_check():
    api.expect_ok()

def test_raises():
    with pytest.raises(ValueError):
        int("x")
"""
    modules = {TESTS / "test_example.py": ast.parse(source)}

    assert unchecked_tests(modules) == [
        ("test_example.py", "test_nothing"),
        ("test_example.py", "test_only_a_method_that_happens_to_share_a_helpers_name"),
    ]
