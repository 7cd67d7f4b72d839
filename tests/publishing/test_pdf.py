"""The PDFs of the seed tables, checked with poppler like a reader would.

Each seed is rendered once per module (rendering is the slow part); the
checks read the files back with pdftotext / pdffonts / pdfinfo / pdfimages.
"""

import re
import shutil
import subprocess
from decimal import Decimal

import pytest

from departments.models import Department
from projects.selectors import evaluation_get
from publishing.exports import export_data
from publishing.pdf import SEAL_MISSING, render_document, seal_url
from publishing.sheets import build

# django_db on every test keeps them with the other database tests: pytest-django
# runs unmarked tests last, after transactional tests have flushed the seeds.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("pdftotext") is None, reason="poppler-utils not installed"
    ),
]

SEEDS = {
    "000": ("440307-JYZX", 2021, "project_selfeval"),
    "001": ("440307-RSJ-BJ", 2020, "project_selfeval"),
    "002": ("440307-ZXZX", 2021, "project_selfeval"),
    "003": ("440113-JYZX", 2025, "target"),
    "004": ("440113-RSJ", 2021, "department_selfeval"),
    "national": ("440307-JYZX", 2021, "project_selfeval_national"),
}


def _render(data: dict, department: Department, status: str | None = None) -> bytes:
    if status:
        data = {**data, "status": status}
    return render_document(build(data), seal=seal_url(department))


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker):
    """{seed: (export data, draft PDF)}; 000 also approved, with its seal."""
    out = {}
    with django_db_blocker.unblock():
        for key, (code, year, layout) in SEEDS.items():
            department = Department.objects.get(code=code)
            evaluation = evaluation_get(user=None, department=department, year=year)
            data = export_data(evaluation, layout)
            out[key] = (data, _render(data, department))
        department = Department.objects.get(code="440307-JYZX")
        out["000-approved"] = (
            out["000"][0],
            _render(out["000"][0], department, "approved"),
        )
    return out


def run(*args: str, data: bytes) -> str:
    return subprocess.run(
        [*args], input=data, capture_output=True, check=True
    ).stdout.decode("utf-8")


def text(pdf: bytes, page: int | None = None) -> str:
    """The text of the PDF (or one page), whitespace removed: a cell's
    wrapped lines read as one string."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    raw = run("pdftotext", "-raw", *pages, "-", "-", data=pdf)
    return re.sub(r"\s+", "", raw)


def info(pdf: bytes) -> dict:
    out = run("pdfinfo", "-", data=pdf)
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def page_count(pdf: bytes) -> int:
    return int(info(pdf)["Pages"])


def money(value: str) -> str:
    return f"{Decimal(value):,.2f}"


def flat(value: str) -> str:
    return re.sub(r"\s+", "", value)


# --- content -------------------------------------------------------------------


@pytest.mark.parametrize("seed", ["000", "001", "002"])
def test_project_table_pdf_holds_title_names_totals_and_rates(seeds, seed):
    data, pdf = seeds[seed]
    content = text(pdf)
    assert flat(data["title"]) in content
    assert f"部门名称（盖章）：{data['department']['name']}" in content or (
        "部门名称（盖章）：" in content and flat(data["department"]["name"]) in content
    )
    for project in data["projects"]:
        assert flat(project["name"]) in content
        assert money(project["actual"]["total"]) in content
        rate = project["execution_rate"]
        assert (f"{rate}%" if rate else "不适用") in content
    totals = data["totals"]
    assert "合计" in content
    for kind in ("budget", "actual"):
        for value in totals[kind].values():
            if value is not None:
                assert money(value) in content
    assert f"{totals['execution_rate']}%" in content


def test_seed_001_prints_the_notes_and_the_2020_header(seeds):
    data, pdf = seeds["001"]
    content = text(pdf)
    assert "备注：" in content
    for note in data["notes"]:
        assert flat(note)[:30] in content
    assert "单位名称" in content
    assert "98,795.64" in content and "85,726.53" in content


def test_target_table_pdf_holds_totals_and_coded_indicators(seeds):
    data, pdf = seeds["003"]
    content = text(pdf)
    assert flat(data["title"]) in content
    assert "22,356.47" in content
    for project in data["projects"]:
        assert flat(project["name"]) in content
        # Every coded item, exactly as the string form writes it.
        for item in re.split(r"(?<=。)(?=\d+、\d-)", project["indicators_text"]):
            assert flat(item) in content


def test_department_scorecard_pdf_holds_matrix_scores_total_and_footnote(seeds):
    data, pdf = seeds["004"]
    content = text(pdf)
    assert "部门整体支出绩效自评表" in content and "（2021年度）" in content
    assert "59,787.13" in content and "97.50%" in content and "99.94%" in content
    for item in data["items"]:
        assert flat(item["name"]) in content
    assert "总分" in content and data["total_score"] in content
    assert flat(data["footnote"]) in content
    assert "管理效能" in content and "履职效能" in content and "加减分项" in content


def test_national_table_puts_each_project_on_its_own_pages(seeds):
    data, pdf = seeds["national"]
    starts = []
    for page in range(1, page_count(pdf) + 1):
        content = text(pdf, page).removeprefix("草稿")  # the draft watermark
        if content.startswith("项目支出绩效自评表（2021年度）"):
            starts.append(content)
    assert len(starts) == len(data["projects"])
    for content, project in zip(starts, data["projects"], strict=True):
        assert f"项目名称{flat(project['name'])}" in content
        assert "年度资金总额" in content and "执行率" in content
    assert "实施单位（盖章）：" in text(pdf)


def test_user_text_is_printed_as_text_not_markup(seeds):
    data, _ = seeds["003"]
    department = Department.objects.get(code="440113-JYZX")
    evil = {**data, "projects": [dict(data["projects"][0])]}
    evil["projects"][0]["goal"] = '<p>目标</p><script>alert(1)</script> & "引号"'
    content = text(_render(evil, department))
    assert flat('<p>目标</p><script>alert(1)</script>&"引号"') in content


# --- fonts, pages, furniture ------------------------------------------------------


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_fonts_are_embedded_subset_cjk_serif(seeds, seed):
    _, pdf = seeds[seed]
    rows = run("pdffonts", "-", data=pdf).splitlines()[2:]
    assert rows
    for row in rows:
        name, *_rest = row.split()
        emb, sub, uni = row.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert re.match(r"^[A-Z]{6}\+Noto-Serif-CJK", name), row


@pytest.mark.parametrize(
    ("seed", "paper", "landscape"),
    [
        ("000", "A3", True),
        ("001", "A3", True),
        ("003", "A4", True),
        ("004", "A4", True),
        ("national", "A4", False),
    ],
)
def test_paper_and_orientation(seeds, seed, paper, landscape):
    _, pdf = seeds[seed]
    size = info(pdf)["Page size"]
    width, height = (float(x) for x in re.findall(r"[\d.]+", size)[:2])
    assert paper in size
    assert (width > height) is landscape


@pytest.mark.parametrize(
    ("seed", "low", "high"),
    [("000", 1, 2), ("001", 4, 8), ("002", 3, 6), ("003", 3, 6), ("004", 5, 9)],
)
def test_page_counts_stay_in_the_range_of_the_printed_tables(seeds, seed, low, high):
    _, pdf = seeds[seed]
    assert low <= page_count(pdf) <= high


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_every_page_is_numbered_n_of_m(seeds, seed):
    _, pdf = seeds[seed]
    pages = page_count(pdf)
    for page in range(1, pages + 1):
        assert f"第{page}页共{pages}页" in text(pdf, page)


def test_header_rows_repeat_on_page_two(seeds):
    _, pdf = seeds["001"]
    assert page_count(pdf) > 2
    second = text(pdf, 2)
    for label in ("序号", "项目名称", "实际支出金额", "年度指标内容", "整改情况"):
        assert label in second
    # …and the body continues there, not the title.
    assert "2020年度深圳市" not in second


def test_long_cells_are_wrapped_not_cut(seeds):
    """The longest texts of seed 001 arrive whole, whichever page they fall on."""
    data, pdf = seeds["001"]
    content = text(pdf)
    longest = sorted(
        (i["annual_value"] for p in data["projects"] for i in p["indicators"]),
        key=len,
    )[-3:]
    for value in longest:
        assert flat(value) in content


# --- draft and seal -----------------------------------------------------------


def images(pdf: bytes) -> list[str]:
    rows = run("pdfimages", "-list", "-", data=pdf).splitlines()[2:]
    return [r.split()[2] for r in rows]


def test_a_draft_has_the_watermark_and_no_seal(seeds):
    _, pdf = seeds["000"]
    assert images(pdf) == []
    assert "草稿" in text(pdf, 1)
    assert "草稿" in text(pdf, page_count(pdf))


def test_an_approved_table_carries_the_seal_and_no_watermark(seeds):
    _, pdf = seeds["000-approved"]
    assert images(pdf) == ["image", "smask"]  # the PNG and its transparency
    assert "草稿" not in text(pdf)


def test_an_approved_table_without_a_seal_image_says_so(seeds):
    data, _ = seeds["000"]
    pdf = render_document(build({**data, "status": "published"}), seal=None)
    assert images(pdf) == []
    assert flat(SEAL_MISSING) in text(pdf)
    assert "草稿" not in text(pdf)


def test_seal_url_is_none_for_a_department_without_seal_file():
    department = Department(code="X", name="无章部门")
    assert seal_url(department) is None
    department.seal.name = "seals/missing-file.png"
    assert seal_url(department) is None


def test_font_check_warns_only_when_the_cjk_serif_is_missing(monkeypatch):
    from publishing import checks

    assert checks.check_pdf_fonts() == []
    monkeypatch.setattr(checks, "FONT_FAMILY", "No Such Font Family 123")
    (warning,) = checks.check_pdf_fonts()
    assert warning.id == "publishing.W001"
