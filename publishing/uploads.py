"""Checks on an uploaded workbook before any parser sees it.

openpyxl would happily unpack a zip bomb (a 377 KB file whose sheet is
122 MiB took 20-29 s and 193 MB just to open, security-plan §2.3), so the
archive is measured from its directory first. XML entity expansion is stopped
by defusedxml, which openpyxl uses whenever it is installed; this module makes
sure it is.
"""

import io
import zipfile
from dataclasses import dataclass

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ENTRY_RATIO = 200  # uncompressed / compressed, per entry
MAX_ENTRIES = 2000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

TOO_LARGE = "文件大小 {size:.1f} MB，超过上限 {limit} MB。"
EMPTY = "文件是空的。"
OLD_XLS = "这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 后再上传。"
NOT_EXCEL = "文件不是 Excel 工作簿（.xlsx）：{hint}"
BROKEN = "Excel 文件已损坏或不完整，无法读取。"
BOMB = "文件解压后过大（{what}），疑似异常文件，已拒绝。"
NOT_WORKBOOK = "压缩包中没有 Excel 工作簿内容（缺少 xl/workbook.xml）。"
ENCRYPTED = "文件已加密，请取消密码保护后再上传。"
DTD = "文件“{name}”含有 XML 实体声明（DTD），Excel 不会生成这种内容，已拒绝。"


class UploadRejected(ValueError):
    """The file is refused before parsing; the message is for the user."""


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    uncompressed_bytes: int


def _hint(head: bytes) -> str:
    text = head[:200]
    if text.lstrip().startswith((b"<html", b"<!DOCTYPE", b"<?xml")):
        return "内容是网页或 XML 文本。"
    if b"," in text or b"\t" in text:
        return "内容像是 CSV/文本文件，请用 Excel 打开后另存为 .xlsx。"
    if text.startswith(b"%PDF"):
        return "内容是 PDF 文件。"
    return "无法识别的文件内容。"


def check_workbook(
    content: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES
) -> CheckedUpload:
    """Refuse with a Chinese message anything that is not a sane .xlsx."""
    import openpyxl.xml  # noqa: F401  (see the assertion below)

    # openpyxl protects against entity expansion only with defusedxml present.
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML, "defusedxml must be installed (requirements.txt)"

    size = len(content)
    if size == 0:
        raise UploadRejected(EMPTY)
    if size > max_bytes:
        raise UploadRejected(
            TOO_LARGE.format(size=size / 1024 / 1024, limit=max_bytes // 1024 // 1024)
        )
    if content.startswith(OLE_MAGIC):
        raise UploadRejected(OLD_XLS)
    if not content.startswith(ZIP_MAGIC):
        raise UploadRejected(NOT_EXCEL.format(hint=_hint(content)))
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise UploadRejected(BROKEN) from exc
    if len(entries) > MAX_ENTRIES:
        raise UploadRejected(BOMB.format(what=f"{len(entries)} 个文件"))
    total = 0
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise UploadRejected(ENCRYPTED)
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > 1024 * 1024 and ratio > MAX_ENTRY_RATIO:
            raise UploadRejected(
                BOMB.format(what=f"{entry.filename} 压缩比 {ratio:.0f}")
            )
    if total > MAX_UNCOMPRESSED_BYTES:
        raise UploadRejected(BOMB.format(what=f"共 {total / 1024 / 1024:.0f} MB"))
    for entry in entries:
        if entry.filename.endswith((".xml", ".rels", ".vml")):
            # A DTD can only stand before the root element: the head suffices,
            # and reading it decompresses a few KB, not the whole part.
            with archive.open(entry) as part:
                head = part.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise UploadRejected(DTD.format(name=entry.filename))
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names:
        if "EncryptedPackage" in names:
            raise UploadRejected(ENCRYPTED)
        raise UploadRejected(NOT_WORKBOOK)
    return CheckedUpload(content=content, uncompressed_bytes=total)
