"""python -m bench — how fast and how big the official-table exports are.

Measured in one warm process, side by side:

* seed 001 (19 projects, 部门预算项目绩效自评表) to PDF and to xlsx;
* LibreOffice converting our own xlsx of the same table to PDF
  (``soffice --headless --convert-to pdf``, a whole process, start-up
  included) and the ratio of our PDF time to it (goal ≤ 1.0);
* a synthetic 100-project department (seed 001's projects repeated);
* every table of every seed department, PDF and xlsx, as a batch;
* peak resident memory of this process.

Targets on the reference machine: PDF < 1 s, xlsx < 0.3 s, peak RSS < 400 MB.
Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from copy import deepcopy
from decimal import Decimal
from pathlib import Path

RUNS = 5
TARGET_PDF_S = 1.0
TARGET_XLSX_S = 0.3
TARGET_RSS_MB = 400
SOFFICE_HINT = (
    "soffice not found: install LibreOffice Calc to measure the ratio "
    "(Debian: apt-get install --no-install-recommends libreoffice-calc-nogui)"
)


def setup_django() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "perfeval.settings")
    import django

    django.setup()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, runs: int = RUNS) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def soffice_binary() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def soffice_convert(binary: str, xlsx: Path, profile: Path) -> float:
    """Wall time of one whole `soffice --convert-to pdf` process."""
    start = time.perf_counter()
    subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(xlsx.parent),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return time.perf_counter() - start


def synthetic(data: dict, projects: int) -> dict:
    """seed 001's table grown to `projects` rows (names made unique)."""
    rows = []
    source = data["projects"]
    for n in range(projects):
        row = deepcopy(source[n % len(source)])
        row["seq"] = n + 1
        row["name"] = f"{row['name']}（{n + 1}）"
        rows.append(row)
    totals = deepcopy(data["totals"])
    for kind in ("budget", "actual"):
        for key in totals[kind]:
            values = [r[kind][key] for r in rows if r[kind][key] is not None]
            totals[kind][key] = (
                str(sum((Decimal(v) for v in values), Decimal("0.00")))
                if values
                else None
            )
    return {**data, "projects": rows, "totals": totals}


def pages(pdf: bytes) -> str:
    """Page count (pdfinfo, from poppler-utils), or "?" without it."""
    if not shutil.which("pdfinfo"):
        return "?"
    out = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True).stdout
    found = re.search(rb"Pages:\s+(\d+)", out)
    return found.group(1).decode() if found else "?"


def fmt(times: list[float]) -> str:
    return f"{min(times):.3f} / {statistics.median(times):.3f}"


def main() -> int:
    setup_django()
    from departments.models import Department
    from projects.models import Evaluation
    from projects.selectors import evaluation_get
    from publishing.batch import render, year_files
    from publishing.exports import export_data

    results: list[tuple[str, str, str, str]] = []

    def row(what: str, measured: str, target: str = "", verdict: str = "") -> None:
        results.append((what, measured, target, verdict))

    try:
        department = Department.objects.get(code="440307-RSJ-BJ")
    except Department.DoesNotExist:
        print("The seed tables are not loaded: run `make seed` (or seed_demo).")
        return 1
    evaluation = evaluation_get(user=None, department=department, year=2020)

    # The code path of a download (views) and of the commands.
    def pdf_001() -> bytes:
        return render(evaluation, export_data(evaluation, "project_selfeval"), "pdf")

    def xlsx_001() -> bytes:
        return render(evaluation, export_data(evaluation, "project_selfeval"), "xlsx")

    start = time.perf_counter()
    first = pdf_001()
    cold = time.perf_counter() - start
    row("seed 001 PDF, first render (cold: fonts, CSS)", f"{cold:.3f} s")

    binary = soffice_binary()
    our_pdf, our_xlsx, office = [], [], []
    with tempfile.TemporaryDirectory(prefix="perfeval-bench-") as tmp:
        tmpdir = Path(tmp)
        xlsx_file = tmpdir / "seed001.xlsx"
        xlsx_file.write_bytes(xlsx_001())
        profile = tmpdir / "lo-profile"
        if binary:
            soffice_convert(binary, xlsx_file, profile)  # creates the profile
        # Side by side, interleaved, so both see the same machine load.
        for _ in range(RUNS):
            t, _pdf = timed(pdf_001, 1)
            our_pdf += t
            t, _x = timed(xlsx_001, 1)
            our_xlsx += t
            if binary:
                office.append(soffice_convert(binary, xlsx_file, profile))
        office_pages = pages((tmpdir / "seed001.pdf").read_bytes()) if binary else None

    pdf_ok = statistics.median(our_pdf) < TARGET_PDF_S
    row(
        "seed 001 PDF, warm (min / median)",
        f"{fmt(our_pdf)} s, {pages(first)} pages",
        f"< {TARGET_PDF_S} s",
        "ok" if pdf_ok else "MISSED",
    )
    xlsx_ok = statistics.median(our_xlsx) < TARGET_XLSX_S
    row(
        "seed 001 xlsx, warm (min / median)",
        f"{fmt(our_xlsx)} s",
        f"< {TARGET_XLSX_S} s",
        "ok" if xlsx_ok else "MISSED",
    )
    if binary:
        ratio = statistics.median(our_pdf) / statistics.median(office)
        row(
            "soffice --convert-to pdf of our xlsx (process)",
            f"{fmt(office)} s, {office_pages} pages",
        )
        row(
            "ratio our PDF / soffice (medians)",
            f"{ratio:.2f}",
            "≤ 1.0",
            "ok" if ratio <= 1.0 else "MISSED",
        )
    else:
        row("soffice ratio", "not measured", "≤ 1.0", SOFFICE_HINT)

    data = synthetic(export_data(evaluation, "project_selfeval"), 100)
    t_pdf, big = timed(lambda: render(evaluation, data, "pdf"), 2)
    t_xlsx, _ = timed(lambda: render(evaluation, data, "xlsx"), 3)
    row(
        "100-project department PDF (min / median)",
        f"{fmt(t_pdf)} s, {pages(big)} pages",
    )
    row("100-project department xlsx (min / median)", f"{fmt(t_xlsx)} s")

    start = time.perf_counter()
    files = size = 0
    years = Evaluation.objects.order_by().values_list("year", flat=True).distinct()
    for year in sorted(years):
        for item in year_files(year):  # what export_batch writes
            files += 1
            size += len(item.content)
    batch = time.perf_counter() - start
    row(
        "all seed tables, PDF + xlsx, one batch",
        f"{batch:.2f} s, {files} files, {size / 1e6:.1f} MB",
    )

    rss = peak_rss_mb()
    row(
        "peak RSS of this process",
        f"{rss:.0f} MB",
        f"< {TARGET_RSS_MB} MB",
        "ok" if rss < TARGET_RSS_MB else "MISSED",
    )

    widths = [max(len(r[i]) for r in results) for i in range(3)]
    print()
    print("perfeval export benchmark  (times: min / median of runs)")
    print("-" * (sum(widths) + 12))
    for what, measured, target, verdict in results:
        print(
            f"{what:<{widths[0]}}  {measured:<{widths[1]}}  "
            f"{target:<{widths[2]}}  {verdict}"
        )
    print()
    print(f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
