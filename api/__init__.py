"""Throughgate: an API for mentoring people in prison and on probation."""

import sys

# `import httpx` also imports httpx's command-line client, and with it click, rich and
# pygments (about 35 ms and 4 MB a process), whenever they are installed, as they are here
# for our own command line. Nothing here runs httpx's client; a module marked absent makes
# httpx fall back to the stub it defines for an installation without them.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
