"""``make bench`` (``benchmarks/run.py``) runs the benchmarks and only them: a module the benchmarks import is not
run as a script, where it would fail and make the whole run fail."""

from __future__ import annotations

from benchmarks import run


def test_every_script_with_a_main_guard_is_run_and_no_other_module() -> None:
    names = [script.name for script in run.benchmarks()]
    assert "casework_latency.py" in names
    assert "exchange_import.py" in names
    assert names == sorted(names)
    for support in ("run.py", "__init__.py", "signed_in_floor.py", "signed_in_floor_settings.py", "pg_load.py"):
        assert support not in names
    for script in run.HERE.glob("*.py"):
        if script.name not in names and script.name != "run.py":
            assert '__name__ == "__main__"' not in script.read_text(encoding="utf-8")
