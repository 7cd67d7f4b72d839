"""Demo seals: a red round 公章 drawn by code (Pillow), transparent background.

Real departments upload their own scanned seal (Department.seal); the seed
departments get one of these so an approved seed table shows how the stamp
sits on the page. The image is a red ring, the department name along the top
arc and a five-pointed star in the middle — recognisably a seal, and clearly
not a copy of any real one (it carries no seal number).
"""

from __future__ import annotations

import io
import math
import subprocess
from functools import lru_cache
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

SEAL_RED = (214, 0, 0, 235)
SIZE = 480  # px; printed at about 38 mm, so ~320 dpi
CONDENSED = 0.72  # width of a seal character relative to its height
FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
)


@lru_cache(maxsize=1)
def _font_file() -> tuple[str, int] | None:
    """A bold CJK font: fontconfig's choice, else the Debian paths."""
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}\t%{index}", "Noto Sans CJK SC:bold"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.split("\t")
        if len(found) == 2 and Path(found[0]).is_file():
            return found[0], int(found[1] or 0)
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    for path, index in FONT_CANDIDATES:
        if Path(path).is_file():
            return path, index
    return None


def _font(size: int):
    found = _font_file()
    if found is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(found[0], size=size, index=found[1])


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=SEAL_RED)


def seal_png(name: str, size: int = SIZE) -> bytes:
    """A transparent PNG of a round red seal with `name` along the top arc."""
    scale = 2  # draw large, then downsample for smooth edges
    full = size * scale
    image = Image.new("RGBA", (full, full), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    center = full / 2
    ring = full * 0.035
    outer = full / 2 - ring / 2 - 2
    draw.ellipse(
        (center - outer, center - outer, center + outer, center + outer),
        outline=SEAL_RED,
        width=round(ring),
    )
    _star(draw, center, center, full * 0.16)

    chars = list(name) or ["章"]
    # The name runs clockwise over the top, centred on 12 o'clock, in
    # condensed characters (长体) as cut seals have them.
    sweep = min(math.radians(260), math.radians(26) * len(chars))
    step = sweep / max(len(chars) - 1, 1)
    font_size = round(full * 0.17)
    while font_size > 12:
        radius = outer - ring * 0.9 - font_size * 0.6
        if font_size * CONDENSED <= 0.96 * radius * step:
            break
        font_size -= 2
    text_radius = outer - ring * 0.9 - font_size * 0.6
    font = _font(font_size)
    start = -math.pi / 2 - sweep / 2
    box = font_size * 2
    for i, char in enumerate(chars):
        angle = start + i * step
        glyph = Image.new("RGBA", (box, box), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(
            (box / 2, box / 2), char, font=font, fill=SEAL_RED, anchor="mm"
        )
        squeezed = glyph.resize((round(box * CONDENSED), box), Image.LANCZOS)
        glyph = squeezed.rotate(
            -math.degrees(angle + math.pi / 2), Image.BICUBIC, expand=True
        )
        x = center + text_radius * math.cos(angle) - glyph.width / 2
        y = center + text_radius * math.sin(angle) - glyph.height / 2
        image.alpha_composite(glyph, (round(x), round(y)))

    image = image.resize((size, size), Image.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def seal_storage_name(department) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in department.code)
    return f"seals/demo-{safe}.png"


def seal_ensure_demo(department) -> bool:
    """Give a department without a seal image the generated demo seal.

    Idempotent: an existing seal is kept, and an existing demo file is
    reused instead of stored again. Returns True when the seal was set.
    """
    if department.seal and department.seal.name:
        try:
            if Path(department.seal.path).is_file():
                return False
        except (NotImplementedError, ValueError):
            return False
    name = seal_storage_name(department)
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(seal_png(department.name)))
    department.seal.name = name
    department.save(update_fields=["seal"])
    return True
