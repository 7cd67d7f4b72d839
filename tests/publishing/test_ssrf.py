"""WeasyPrint never fetches what user text names (SSRF / local files).

A counting HTTP server on 127.0.0.1 stands for an internal service; the PDF
is made from text that tries every way WeasyPrint knows to load a resource.
"""

import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from departments.models import Department
from projects.selectors import evaluation_get
from publishing.exports import export_data
from publishing.pdf import (
    ASSET_ORIGIN,
    MEDIA_PREFIX,
    STATIC_PREFIX,
    make_fetcher,
    render_document,
    resolve_asset,
)
from publishing.sheets import build


class _Counter(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        type(self).hits.append(self.path)
        body = b"body { color: red }"
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Counter.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Counter.hits
    httpd.shutdown()
    httpd.server_close()


def attacks(base: str) -> list[str]:
    return [
        '<img src="file:///etc/passwd">',
        f'<img src="{base}/img.png">',
        f'<link rel="attachment" href="{base}/attachment">',
        '<a rel="attachment" href="file:///etc/hostname">附件</a>',
        f'<link rel="stylesheet" href="{base}/style.css">',
        f"<style>@import url({base}/import.css);"
        f" body {{ background: url({base}/bg.png) }}</style>",
        f'<svg><image href="{base}/svg.png"/></svg>',
        f'<p style="background-image: url({base}/inline.png)">x</p>',
        f'<object data="{base}/object"></object><embed src="{base}/embed">',
    ]


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return re.sub(r"\s+", "", out)


@pytest.mark.django_db
def test_malicious_cell_text_is_printed_and_fetches_nothing(server):
    base, hits = server
    department = Department.objects.get(code="440307-JYZX")
    evaluation = evaluation_get(user=None, department=department, year=2021)
    data = export_data(evaluation, "project_selfeval")
    evil = attacks(base)
    projects = [dict(p) for p in data["projects"]]
    projects[0]["goal"] = evil[0]
    projects[0]["completion"] = evil[1]
    projects[0]["problems"] = evil[2]
    projects[0]["rectification"] = "".join(evil[3:])
    projects[1]["name"] = evil[4]
    indicators = [dict(i) for i in projects[0]["indicators"]]
    indicators[0]["annual_value"] = evil[5]
    projects[0]["indicators"] = indicators
    data = {**data, "projects": projects, "notes": [evil[6]], "status": "approved"}
    pdf = render_document(build(data), seal=None)
    assert hits == []
    assert b"/EmbeddedFile" not in pdf
    assert b"/EmbeddedFiles" not in pdf
    text = pdf_text(pdf)
    assert re.sub(r"\s+", "", '<img src="file:///etc/passwd">') in text
    assert (
        re.sub(r"\s+", "", f'<link rel="attachment" href="{base}/attachment">') in text
    )


def test_the_fetcher_refuses_everything_but_own_assets(server):
    base, hits = server
    fetcher = make_fetcher()
    refused = [
        "file:///etc/passwd",
        f"{base}/x.css",
        "https://example.com/x.css",
        "http://assets.perfeval.invalid/static/publishing/print.css",
        "data:text/css,body{}",
        "ftp://127.0.0.1/x",
        f"{STATIC_PREFIX}../../../../etc/passwd",
        f"{STATIC_PREFIX}%2e%2e/%2e%2e/settings.py",
        f"{STATIC_PREFIX}publishing/missing.css",
        f"{MEDIA_PREFIX}../db.sqlite3",
        f"{MEDIA_PREFIX}seals/x.txt",
        f"{ASSET_ORIGIN}/etc/passwd.css",
        f"{STATIC_PREFIX}/etc/passwd.png",
    ]
    for url in refused:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
        assert resolve_asset(url) is None, url
    assert hits == []
    response = fetcher.fetch(f"{STATIC_PREFIX}publishing/print.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()


def test_the_fetcher_holds_even_for_raw_markup(server):
    """Defence in depth: were markup ever to reach WeasyPrint unescaped, the
    fetcher still loads nothing and attaches nothing."""
    import weasyprint

    base, hits = server
    html = "<html><body>" + "".join(attacks(base)) + "</body></html>"
    pdf = weasyprint.HTML(
        string=html, base_url=base, url_fetcher=make_fetcher()
    ).write_pdf()
    assert hits == []
    assert b"/EmbeddedFile" not in pdf


@pytest.mark.django_db
def test_the_seal_is_served_from_media_and_only_as_png():
    from publishing.pdf import seal_url

    department = Department.objects.get(code="440307-JYZX")
    url = seal_url(department)
    assert url and url.startswith(MEDIA_PREFIX)
    path = resolve_asset(url)
    assert path is not None and path.suffix == ".png"
    assert make_fetcher().fetch(url).content_type == "image/png"
