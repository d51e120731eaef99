"""Benchmark plumbing: a results table filled by the benchmarks, printed and saved at the end."""

from __future__ import annotations

from collections.abc import Generator
import json
import os
from pathlib import Path
import platform
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS: list[dict[str, Any]] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every benchmark `bench`: scripts/test leaves them out."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.bench)


def record(section: str, case: str, metric: str, value: float | str, target: str = "") -> None:
    """One row of the results."""
    RESULTS.append(
        {"section": section, "case": case, "metric": metric, "value": value, "target": target}
    )


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


@pytest.fixture(scope="session", autouse=True)
def report() -> Generator[None]:
    """Print the table and write the JSON once every benchmark ran."""
    yield
    if not RESULTS:
        return
    from homeassistant.const import __version__ as ha_version

    machine = f"{_machine()}, Home Assistant {ha_version}"
    out = Path(os.environ.get("BENCH_JSON", ROOT / "artifacts" / "bench.json"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine, "results": RESULTS}, indent=2) + "\n")
    widths = [max(len(str(r[k])) for r in RESULTS) for k in ("section", "case", "metric")]
    lines = [
        f"\nBenchmarks on {machine}",
        (
            f"{'section':<{widths[0]}}  {'case':<{widths[1]}}  {'metric':<{widths[2]}}  "
            f"{'value':>12}  target"
        ),
    ]
    for row in RESULTS:
        value = row["value"]
        shown = f"{value:,.3f}" if isinstance(value, float) else str(value)
        lines.append(
            f"{row['section']:<{widths[0]}}  {row['case']:<{widths[1]}}  "
            f"{row['metric']:<{widths[2]}}  {shown:>12}  {row['target']}"
        )
    lines.append(f"JSON: {out}")
    print("\n".join(lines))
