#!/usr/bin/env bash
# The whole suite on a fresh Debian machine: Python dependencies here; Dovecot and PostgreSQL
# are installed by the test fixtures themselves when missing (as root), so plain pytest works too.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -m pip --version >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "python3 -m pip is missing; install python3-pip (or use a virtualenv)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip python3-venv
fi

# Debian's own python3 refuses pip installs (PEP 668); a throw-away CI machine may ignore that,
# inside a virtualenv the setting changes nothing.
export PIP_BREAK_SYSTEM_PACKAGES=1
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
exec python3 -m pytest "$@"
