# Sourced by scripts/run and scripts/test: make .venv with Python 3.11+ and install
# the given requirements file, skipping pip when nothing changed since last time.
set -euo pipefail

requirements="$1"
venv=".venv"

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "$candidate"
      return 0
    fi
  done
  echo "RVU Edge needs Python 3.11 or newer; none was found (set PYTHON=/path/to/python3.11)." >&2
  return 1
}

if [ ! -x "$venv/bin/python" ]; then
  python_bin=$(find_python)
  echo "Creating $venv with $python_bin"
  "$python_bin" -m venv "$venv"
fi

stamp="$venv/.installed-$(basename "$requirements")"
wanted=$(cat requirements*.txt | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing $requirements into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$wanted" >"$stamp"
fi
export PATH="$PWD/$venv/bin:$PATH"
