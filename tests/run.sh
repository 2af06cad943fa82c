#!/usr/bin/env bash
# Run the whole test suite: type-check (mypy, configured in pyproject.toml), install chromium
# if missing (tests/install_chromium.sh), start the local Bluesky network (PLC + PDS + AppView
# on 127.0.0.1; installed on first use), run pytest, stop what this script started.
# Extra arguments go to pytest:  tests/run.sh -k bluesky -x
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m mypy
tests/install_chromium.sh   # the review page's browser test: Debian's chromium
export PDS_HOME=${PDS_HOME:-"$PWD/.atproto-network"}
started=0
if ! tests/atproto_network/start.sh --check >/dev/null 2>&1; then
  tests/atproto_network/start.sh
  started=1
fi
. "$PDS_HOME/env.sh"
stop() { if [ "$started" = 1 ]; then tests/atproto_network/stop.sh || true; fi; }
trap stop EXIT
.venv/bin/python -m pytest "$@"
