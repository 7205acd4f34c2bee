"""What a serving process holds in memory: every worker of `throughgate serve` imports the
command-line module (it is the program's main module), so tools that only other commands
use, and httpx's own command-line client, must stay out of it."""

import json
import subprocess
import sys

# Each costs every worker memory and start-up time, and serves no request.
NOT_FOR_SERVING = (
    "alembic",  # `migrate`
    "mako",  # alembic's templates
    "rich",  # progress bars of `retention` and `import-services`
    "pygments",  # rich's and httpx's colouring
    "api.demo",  # `seed-demo`
    "api.directory_import",  # `import-services`
    "httpx._main",  # httpx's command-line client, which `import httpx` loads when it can
)


def test_a_serving_process_imports_nothing_only_another_command_needs() -> None:
    probe = (
        "import json, sys\n"
        "import api.cli\n"
        "from api.main import create_app\n"
        "print(json.dumps(sorted(n for n, m in sys.modules.items() if m is not None)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))

    assert {"httpx", "uvicorn", "typer", "api.worker"} <= loaded  # what serving does need
    assert sorted(m for m in NOT_FOR_SERVING if m in loaded) == []
