"""A real uvicorn server with two workers: what only a running server shows."""

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

EXE = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "throughgate"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(scratch_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    command = str(EXE) if EXE.exists() else "throughgate"
    env = {
        **os.environ,
        "DATABASE_URL": scratch_url,
        "THROUGHGATE_LOG_LEVEL": "WARNING",
        "THROUGHGATE_SIGNING_KEY_FILE": str(tmp_path / "signing.key"),
    }
    env.pop("THROUGHGATE_SIGNING_KEYS", None)

    def cli(*args: str) -> dict[str, str]:
        done = subprocess.run(
            [command, *args], env=env, capture_output=True, text=True, check=True, cwd=tmp_path
        )
        return json.loads(done.stdout) if done.stdout else {}

    cli("migrate")
    org = cli("create-org", "Served")
    cli(
        "create-user",
        "--org",
        org["id"],
        "--email",
        "c@example.org",
        "--role",
        "coordinator",
        "--password",
        "served password 1",
    )
    port = _free_port()
    process = subprocess.Popen(
        [command, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # two workers start slowly on a loaded machine
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not become ready")
        yield base, {"username": "c@example.org", "password": "served password 1"}
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_tokens_work_on_every_worker(server: tuple[str, dict[str, str]]) -> None:
    """Workers share one development signing key, so any worker accepts any token."""
    base, login = server
    with httpx.Client(base_url=base) as http:
        tokens = [
            http.post("/api/v1/auth/token", data={"grant_type": "password", **login}).json()
            for _ in range(4)
        ]
        statuses = {
            http.get(
                "/api/v1/me",
                headers={"Authorization": f"Bearer {t['access_token']}", "Connection": "close"},
            ).status_code
            for t in tokens
            for _ in range(5)
        }
    assert statuses == {200}


def test_docs_and_openapi_are_served(server: tuple[str, dict[str, str]]) -> None:
    base, _ = server
    assert "swagger" in httpx.get(f"{base}/api/v1/docs").text.lower()
    assert httpx.get(f"{base}/api/v1/openapi.json").json()["info"]["title"] == "Throughgate API"
