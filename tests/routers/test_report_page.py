"""The printable programme report: self-contained, and it renders in a real browser."""

import asyncio
import re
import shutil
import struct
import zlib
from pathlib import Path

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from api.settings import Settings
from tests.report_factories import FROM, TO, Programme, build_programme

URL = "/api/v1/reports/programme.html"
PERIOD = {"from": FROM.isoformat(), "to": TO.isoformat()}
HIDDEN = '<span class="hidden">&lt;5</span>'
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)


@pytest.fixture
async def programme(db: AsyncSession, settings: Settings) -> Programme:
    return await build_programme(db, settings)


async def page(client: httpx.AsyncClient, programme: Programme, who: str) -> httpx.Response:
    response = await client.get(URL, params=PERIOD, headers=programme.headers(who))
    assert response.status_code == 200, response.text
    return response


async def test_the_page_loads_nothing_from_anywhere(
    client: httpx.AsyncClient, programme: Programme
) -> None:
    response = await page(client, programme, "analyst")
    html = response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"""(src|href)\s*=""", html)
    assert "url(" not in html
    assert html.count("<svg") >= 10
    assert programme.org.name in html
    assert HIDDEN in html  # the analyst's view marks hidden counts


async def test_staff_see_exact_numbers_on_the_page(
    client: httpx.AsyncClient, programme: Programme
) -> None:
    html = (await page(client, programme, "coordinator")).text
    assert HIDDEN not in html
    assert "Through the gate" in html and "0.667" in html


def _png_colours(path: Path) -> int:
    """How many distinct byte values the image's pixel data holds (a blank page has ~2)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        if kind == b"IDAT":
            chunks.append(data[at + 8 : at + 8 + length])
        at += 12 + length
    return len(set(zlib.decompress(b"".join(chunks))))


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed: no screenshot check")
async def test_a_screenshot_in_headless_chromium(
    client: httpx.AsyncClient, programme: Programme, tmp_path: Path
) -> None:
    source = tmp_path / "programme.html"
    source.write_text((await page(client, programme, "coordinator")).text)
    shot = tmp_path / "programme.png"
    assert CHROMIUM is not None
    browser = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--window-size=1000,2400",
        f"--screenshot={shot}",
        source.as_uri(),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert await asyncio.wait_for(browser.wait(), timeout=120) == 0
    assert shot.stat().st_size > 20_000
    assert _png_colours(shot) > 50  # text, bars and table rules, not a blank page
