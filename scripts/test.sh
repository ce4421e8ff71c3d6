#!/usr/bin/env bash
# The whole suite on a fresh Debian machine, inside the README's `.venv` (made here when
# missing); Dovecot and PostgreSQL are installed by the test fixtures themselves when missing
# (as root), so plain pytest in that virtualenv works too. Nothing goes into the system Python.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "python3 -m venv is missing; install python3-venv" >&2
      exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  fi
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
exec .venv/bin/python -m pytest "$@"
