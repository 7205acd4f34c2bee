"""The docs pages work on a network without internet: headless Chromium renders Swagger UI,
ReDoc and GraphiQL with every host but this service unreachable."""

import base64
import hashlib
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.docs import OWN_STATIC
from api.main import create_app
from tests.conftest import make_settings

PORT = 8158
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PINNED = {
    "graphiql.min.js": "HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    "graphiql.min.css": "Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    "react.production.min.js": "tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    "react-dom.production.min.js": (
        "bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh"
    ),
}


def test_the_vendored_graphiql_files_are_the_pinned_releases() -> None:
    for name, digest in PINNED.items():
        data = (OWN_STATIC / "graphiql" / name).read_bytes()
        assert base64.b64encode(hashlib.sha384(data).digest()).decode() == digest, name


@pytest.fixture(scope="module")
def served(migrated: str) -> Iterator[str]:
    app = create_app(make_settings(migrated))
    server = uvicorn.Server(uvicorn.Config(app, port=PORT, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{PORT}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/healthz")
            break
        except httpx.TransportError:
            time.sleep(0.2)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


def _render(url: str, profile: Path) -> str:
    """The page's DOM after its scripts ran, with every other host unreachable."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            # The closed network: no name resolves, and nothing but loopback is routed.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--proxy-server=127.0.0.1:9",
            "--proxy-bypass-list=127.0.0.1",
            "--virtual-time-budget=20000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (CI installs it)")
@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        ("/api/v1/docs", ["opblock-summary-path", "/api/v1/people"]),
        ("/api/v1/redoc", ["Throughgate API", "/api/v1/people"]),
        ("/api/v1/graphql", ["graphiql-container", "graphiql-editor"]),
    ],
)
def test_docs_pages_render_with_outside_hosts_blocked(
    served: str, tmp_path: Path, path: str, rendered: list[str]
) -> None:
    dom = _render(served + path, tmp_path)
    for text in rendered:
        assert text in dom, f"{path}: {text!r} not rendered"
