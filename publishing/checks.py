"""System check: the PDF tables need the CJK serif face they are set in."""

import subprocess

from django.core.checks import Warning

FONT_FAMILY = "Noto Serif CJK SC"
FONT_MISSING = (
    f"生成 PDF 表格所需的中文宋体字体（{FONT_FAMILY}）未安装，"
    "PDF 将使用替代字体，版式与公开表格不符。"
)
FONT_HINT = "运行 make setup（scripts/system-deps.sh）或 apt-get install fonts-noto-cjk"


def check_pdf_fonts(app_configs=None, **kwargs):
    try:
        found = subprocess.run(
            ["fc-list", f":family={FONT_FAMILY}", "file"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    if found:
        return []
    return [Warning(FONT_MISSING, hint=FONT_HINT, id="publishing.W001")]
