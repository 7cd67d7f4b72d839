"""PDF of an official table: Django template + print CSS → WeasyPrint.

* Every WeasyPrint call goes through `AssetFetcher`, which serves only
  allow-listed files of the app's own static and media directories, read from
  disk, and refuses everything else (``file://``, ``http(s)://``, ``data:``,
  any other host or path). User text never reaches it as markup anyway: the
  template escapes it.
* The parsed stylesheet, the font configuration and the image cache live for
  the process (a warm worker renders seed 001 in under a second); renders
  are serialised per process, which also caps memory.
* Fonts: Noto Serif CJK (宋体-style serif, installed by scripts/system-deps.sh)
  is embedded as a subset; WeasyPrint subsets with HarfBuzz when
  libharfbuzz-subset is present, which is what makes CJK fast (fontTools took
  ~12 s for the same table).
"""

from __future__ import annotations

import gc
import mimetypes
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from publishing.sheets import APPROVED_FIELD, APPROVED_KEYWORD, Document, build

# Resources are addressed under a host that cannot resolve (RFC 2606); the
# fetcher maps its two prefixes to disk and never opens a connection.
ASSET_ORIGIN = "https://assets.perfeval.invalid"
STATIC_PREFIX = f"{ASSET_ORIGIN}/static/"
MEDIA_PREFIX = f"{ASSET_ORIGIN}/media/"
STYLESHEET = "publishing/print.css"
ALLOWED_SUFFIXES = {
    ".css": "text/css",
    ".png": "image/png",
    ".otf": "font/otf",
    ".ttf": "font/ttf",
    ".woff2": "font/woff2",
}
MEDIA_SUFFIXES = {".png"}  # media holds uploads: only the seal images
REFUSED = "资源不在允许的静态文件或媒体文件范围内，已拒绝：{url}"
SEAL_MISSING = "（该部门尚未上传公章图片，无法加盖电子公章）"

_render_lock = threading.Lock()


def _weasyprint():
    # Imported lazily: loading Pango costs ~0.3 s, which management commands
    # and requests that never render a PDF should not pay.
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    return weasyprint, FontConfiguration, URLFetcher, URLFetcherResponse


def _inside(path: Path, root: Path) -> Path | None:
    real = path.resolve()
    return real if real.is_file() and real.is_relative_to(root.resolve()) else None


def resolve_asset(url: str) -> Path | None:
    """The file on disk an asset URL stands for, or None if it is not one of
    the app's own static files or a seal PNG under MEDIA_ROOT."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != ASSET_ORIGIN:
        return None
    path = unquote(parts.path)
    if "\x00" in path or "\\" in path:
        return None
    area, _, relative = path.lstrip("/").partition("/")
    pure = PurePosixPath(relative)
    if not relative or pure.is_absolute() or ".." in pure.parts:
        return None
    suffix = pure.suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        return None
    if area == "static":
        # The staticfiles finders only return files under their own roots.
        found = finders.find(relative)
        if found:
            return Path(found).resolve()
        if settings.STATIC_ROOT:
            root = Path(settings.STATIC_ROOT)
            return _inside(root / relative, root)
        return None
    if area == "media" and suffix in MEDIA_SUFFIXES:
        root = Path(settings.MEDIA_ROOT)
        return _inside(root / relative, root)
    return None


def make_fetcher():
    """A deny-by-default URL fetcher (a `weasyprint.urls.URLFetcher`)."""
    _, _, URLFetcher, URLFetcherResponse = _weasyprint()

    class AssetFetcher(URLFetcher):
        """Serves allow-listed static/media files from disk; refuses the rest.

        The parent's network handlers are never used: `fetch` does not call
        up, so no URL — http, https, ftp, file or data — is ever opened by it.
        """

        def __init__(self):
            super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            path = resolve_asset(url)
            if path is None:
                self.refused.append(url)
                raise ValueError(REFUSED.format(url=url[:200]))
            content_type = ALLOWED_SUFFIXES.get(path.suffix.lower()) or (
                mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            )
            return URLFetcherResponse(
                url, path.read_bytes(), {"Content-Type": content_type}
            )

    return AssetFetcher()


@dataclass
class _Renderer:
    fetcher: object
    font_config: object
    stylesheet: object
    image_cache: dict


@lru_cache(maxsize=1)
def _renderer() -> _Renderer:
    """Parsed CSS, font configuration and image cache, kept for the process."""
    weasyprint, FontConfiguration, _, _ = _weasyprint()
    fetcher = make_fetcher()
    font_config = FontConfiguration()
    stylesheet = weasyprint.CSS(
        url=STATIC_PREFIX + STYLESHEET, url_fetcher=fetcher, font_config=font_config
    )
    return _Renderer(fetcher, font_config, stylesheet, {})


def seal_url(department) -> str | None:
    """The asset URL of the department's seal, if the file is really there."""
    seal = getattr(department, "seal", None)
    if not seal or not seal.name:
        return None
    try:
        path = Path(seal.path)
    except (NotImplementedError, ValueError):
        return None
    if not path.is_file():
        return None
    # The mtime keeps the per-process image cache honest after a re-upload.
    return f"{MEDIA_PREFIX}{seal.name}?v={path.stat().st_mtime_ns}"


def _percent(widths: list[float]) -> list[str]:
    total = sum(widths)
    return [f"{w * 100 / total:.3f}" for w in widths]


def render_html(document: Document, *, seal: str | None) -> str:
    default = _percent(document.widths)
    sheets = [
        {
            "sheet": sheet,
            "blocks": [
                (block, _percent(block.widths) if block.widths else default)
                for block in sheet.blocks
            ],
        }
        for sheet in document.sheets
    ]
    return render_to_string(
        "publishing/table.html",
        {
            "doc": document,
            "sheets": sheets,
            "layout": document.layout,
            "approved": document.approved,
            "seal_url": seal if document.approved else None,
            "seal_missing": SEAL_MISSING,
        },
    )


def render_document(
    document: Document,
    *,
    seal: str | None = None,
    approved_sha256: str | None = None,
) -> bytes:
    """The PDF bytes of a built table.

    `approved_sha256`, the approve snapshot's hash, goes into the document
    information (Keywords and a custom ApprovedSHA256 entry) so a published
    file can be matched to its approval.
    """
    weasyprint = _weasyprint()[0]
    html = render_html(document, seal=seal)
    with _render_lock, _gc_paused():
        r = _renderer()
        # What HTML.write_pdf does, split so the metadata can be set between.
        options = {
            "stylesheets": [r.stylesheet],
            "cache": r.image_cache,
            "attachments": [],
            # Only our own entry: the template has no other custom <meta>.
            "custom_metadata": bool(approved_sha256),
        }
        rendered = weasyprint.HTML(
            string=html, base_url=STATIC_PREFIX, url_fetcher=r.fetcher
        ).render(font_config=r.font_config, **options)
        if approved_sha256:
            rendered.metadata.keywords.append(f"{APPROVED_KEYWORD}{approved_sha256}")
            rendered.metadata.custom[APPROVED_FIELD] = approved_sha256
        return rendered.write_pdf(**options)


@contextmanager
def _gc_paused():
    """No cyclic GC during a render: WeasyPrint allocates hundreds of
    thousands of short-lived boxes and the collector's passes over them cost
    ~12 % of the time; the garbage is collected right after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def render_pdf(evaluation, layout: str) -> bytes:
    """The official table `layout` of an evaluation as PDF bytes.

    Rendered now from the rows, unchecked (tests, tools): downloads and the
    commands go through `publishing.published`, which checks an approved
    evaluation against its approval first.
    """
    from publishing.exports import export_data

    document = build(export_data(evaluation, layout))
    return render_document(document, seal=seal_url(evaluation.department))
