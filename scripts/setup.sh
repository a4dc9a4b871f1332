#!/usr/bin/env bash
# One-time, idempotent set-up on a fresh machine: Debian packages, the venv and the project.
# Sourced by scripts/start and scripts/test; safe to run again (it only does what is missing).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${MOTCUA_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
want_browser="${1:-}"

apt_missing=()
need_pkg() { dpkg -s "$1" >/dev/null 2>&1 || apt_missing+=("$1"); }
if command -v dpkg >/dev/null 2>&1; then
  need_pkg fonts-dejavu-core       # Vietnamese glyphs in PDFs and screenshots
  need_pkg poppler-utils           # pdftoppm: look at the printed boards in tests
  need_pkg nginx                   # the reverse proxy of the replica test (own config, own ports)
  if [ "$want_browser" = "--browser" ]; then
    need_pkg chromium
  fi
  if [ "${#apt_missing[@]}" -gt 0 ]; then
    echo "setup: installing Debian packages: ${apt_missing[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
  fi
fi

stamp="$VENV/.motcua-installed"
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV"
  "$PY" -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages (pinned in pyproject.toml)"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[dev]"
  touch "$stamp"
fi
mkdir -p var
