"""Uploaded files are refused before parsing when they are not sane .xlsx."""

import io
import time
import zipfile

import openpyxl
import pytest

from publishing.uploads import UploadRejected, check_workbook


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "项目名称"
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_real_workbook_passes():
    checked = check_workbook(xlsx_bytes())
    assert checked.uncompressed_bytes > 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件是空的"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版 Excel（.xls）"),
        ("项目名称,总计\n就业,1\n".encode(), "CSV/文本文件"),
        (b"%PDF-1.7 ...", "PDF 文件"),
        (b"PK\x03\x04 truncated", "已损坏"),
    ],
)
def test_non_workbooks_are_refused_with_a_reason(content, message):
    with pytest.raises(UploadRejected, match=message):
        check_workbook(content)


def test_file_over_the_size_limit_is_refused():
    with pytest.raises(UploadRejected, match="超过上限 1 MB"):
        check_workbook(b"PK\x03\x04" + b"0" * 2_000_000, max_bytes=1024 * 1024)


def test_zip_without_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "你好")
    with pytest.raises(UploadRejected, match=r"缺少 xl/workbook\.xml"):
        check_workbook(buffer.getvalue())


def test_zip_bomb_is_refused_quickly_without_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        # 150 MiB of one repeated row compresses to a few hundred KB.
        row = b"<row><c><v>1</v></c></row>"
        archive.writestr(
            "xl/worksheets/sheet1.xml", row * (150 * 1024 * 1024 // len(row))
        )
    content = buffer.getvalue()
    assert len(content) < 1024 * 1024
    started = time.perf_counter()
    with pytest.raises(UploadRejected, match="解压后过大"):
        check_workbook(content)
    assert time.perf_counter() - started < 2


def test_entity_expansion_is_stopped_by_defusedxml():
    """A DTD in a sheet (billion laughs) never expands: openpyxl refuses it."""
    buffer = io.BytesIO(xlsx_bytes())
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = (
                    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                    + (data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data)
                )
            target.writestr(item, data)
    content = out.getvalue()
    with pytest.raises(UploadRejected, match="含有 XML 实体声明"):
        check_workbook(content)
    # And should it get past us, the parser itself (defusedxml) refuses it.
    with pytest.raises(Exception, match="invalid XML"):
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        for _row in workbook.active.iter_rows(values_only=True):
            pass
