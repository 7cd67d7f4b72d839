"""python -m bench.import_bench — how fast the Excel import takes a big table.

A generated district workbook in the 部门预算项目绩效自评表 layout (2,000
projects, 10 indicators each, written by our own xlsx writer) is, side by
side in one process and in alternation:

* imported: `publishing.importer.read_table` (upload checks, streaming read,
  header recognition, every cell parsed and validated) and then
  `import_table` into the configured database (a new department's
  evaluation: 2,000 projects, 20,000 indicators and their history rows),
  inside a transaction that is rolled back so the database is left as it was;
* read by ``pandas.read_excel(header=None)`` (openpyxl engine), which only
  turns the cells into a DataFrame.

Target: the import ≤ 3 × pandas, in elapsed (wall) time, which is what a
user waits and the only measure that counts a database server's work. CPU
time of this process is printed too: on a busy shared machine it is the
steadier figure for SQLite (where all the work is in this process). On
PostgreSQL the deferred foreign-key checks, which run at commit, are forced
inside the timed part (the import is rolled back, so it never commits).
Also reported: the read and the database part separately, peak memory of
one import (tracemalloc, Python allocations) and of the process
(ru_maxrss). `make bench` runs it on the embedded SQLite database; with
DATABASE_URL set it measures that database.

Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

PROJECTS = 2_000
INDICATORS = 10
RUNS = 3
TARGET_RATIO = 3.0
# 10 indicators over the form's pairs: 数量 3, 质量 2, 时效 1, 经济 1, 社会 2, 满意度 1.
SPREAD = (("11", 3), ("12", 2), ("13", 1), ("21", 1), ("22", 2), ("31", 1))


def setup_django() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "perfeval.settings")
    import django

    django.setup()


def district_data(projects: int = PROJECTS) -> dict:
    """export_data's dict of a generated district (no database needed)."""
    from decimal import Decimal

    department = "测试市测试区基准测试局"
    rows = []
    budget_sum = actual_sum = Decimal("0.00")
    for n in range(1, projects + 1):
        budget = Decimal(1000 + (n * 37) % 9000) + Decimal(n % 100) / 100
        actual = (budget * Decimal("0.93")).quantize(Decimal("0.01"))
        budget_sum += budget
        actual_sum += actual
        indicators = []
        for code, count in SPREAD:
            for i in range(1, count + 1):
                indicators.append(
                    {
                        "level2_code": code,
                        "name": "",
                        "annual_value": f"{i}.第{n}个项目的第{i}项指标≥{90 + i}%；",
                        "actual_value": f"{i}.完成{95 + i}%，达到年度目标。",
                    }
                )
        rows.append(
            {
                "seq": n,
                "name": f"第{n:04d}号项目：社区公共服务能力提升",
                "unit_name": department,
                "budget": {
                    "total": str(budget),
                    "general": str(budget),
                    "fund": "0.00",
                    "non_fiscal": "0.00",
                },
                "actual": {
                    "total": str(actual),
                    "general": str(actual),
                    "fund": "0.00",
                    "non_fiscal": "0.00",
                },
                "execution_rate": "93.00",
                "excluded_from_execution_rate": False,
                "goal": "按计划完成年度工作任务，提升公共服务水平和群众满意度。",
                "completion": "年度绩效目标基本完成。",
                "indicators": indicators,
                "problems": "无",
                "rectification": "无",
            }
        )
    amounts = {
        kind: {
            "total": str(total),
            "general": str(total),
            "fund": "0.00",
            "non_fiscal": "0.00",
        }
        for kind, total in (("budget", budget_sum), ("actual", actual_sum))
    }
    return {
        "layout": "project_selfeval",
        "variant": "A",
        "title": f"2024年度{department}部门预算项目绩效自评表",
        "department": {
            "code": "BENCH",
            "name": department,
            "region": "测试市测试区",
            "parent_name": "",
        },
        "year": 2024,
        "status": "draft",
        "unit": "万元",
        "unit_column_label": "部门名称",
        "attachment_label": "附件2：",
        "projects": rows,
        "totals": {
            **amounts,
            "execution_rate": str(
                (actual_sum * 100 / budget_sum).quantize(Decimal("0.01"))
            ),
        },
        "notes": [],
        "checks": [],
    }


def workbook(projects: int = PROJECTS) -> bytes:
    from publishing.sheets import build
    from publishing.xlsx import render_workbook

    return render_workbook(build(district_data(projects)))


def median(times: list[float]) -> float:
    return statistics.median(times)


def _import(content: bytes):
    """One whole import, rolled back: (read s, write s, result, projects)."""
    from django.db import connection, transaction

    from publishing.importer import NewDepartment, import_table, read_table

    start = time.process_time()
    result = read_table(content, filename="bench.xlsx")
    read = time.process_time() - start
    assert result.ok, [str(p) for p in result.problems[:5]]
    with transaction.atomic():
        start = time.process_time()
        evaluation = import_table(
            result=result, department=NewDepartment(name="测试市测试区基准测试局")
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        write = time.process_time() - start
        count = evaluation.projects.count()
        transaction.set_rollback(True)
    return read, write, count


def _row(label: str, times: list[float]) -> str:
    runs = ", ".join(f"{t:.2f}" for t in times)
    return f"{label:<22}{median(times):6.2f} s  (runs: {runs})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=PROJECTS)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(argv)
    setup_django()
    import pandas as pd
    from django.db import connection

    start = time.perf_counter()
    content = workbook(args.projects)
    print(
        f"workbook: {args.projects} projects × {INDICATORS} indicators, "
        f"{len(content) / 1024 / 1024:.1f} MB, written in "
        f"{time.perf_counter() - start:.1f} s; database: {connection.vendor}"
    )
    reads, writes, totals, walls = [], [], [], []
    theirs, their_walls = [], []
    for _ in range(args.runs):
        wall = time.perf_counter()
        read, write, count = _import(content)
        walls.append(time.perf_counter() - wall)
        assert count == args.projects, count
        reads.append(read)
        writes.append(write)
        totals.append(read + write)
        wall = time.perf_counter()
        start = time.process_time()
        frame = pd.read_excel(io.BytesIO(content), header=None)
        theirs.append(time.process_time() - start)
        their_walls.append(time.perf_counter() - wall)
    ratio = median(walls) / median(their_walls)
    print("CPU time of this process:")
    print(_row("  read_table:", reads))
    print(_row("  import_table:", writes))
    print(_row("  import (both):", totals))
    print(_row("  pandas.read_excel:", theirs) + f"  {frame.shape[0]} rows")
    print(f"  ratio:              {median(totals) / median(theirs):6.2f} ×")
    print("elapsed time:")
    print(_row("  import:", walls))
    print(_row("  pandas.read_excel:", their_walls))
    print(
        f"  ratio:              {ratio:6.2f} × (target ≤ {TARGET_RATIO:.0f} ×) "
        + ("OK" if ratio <= TARGET_RATIO else "OVER TARGET")
    )
    tracemalloc.start()
    _import(content)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"import peak Python allocations: {peak / 1024 / 1024:6.1f} MB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss:6.1f} MB")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
