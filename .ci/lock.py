"""requirements.lock: write it from a tested environment, or check an environment against it.

    python .ci/lock.py check requirements.lock   every installed package is locked, at its version
    python .ci/lock.py write requirements.lock   the lock, from this environment's `pip freeze`
    python .ci/lock.py diff requirements.lock    the versions installed here that the lock pins otherwise

Run with the Python of the environment in question (it calls that environment's pip).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

HEADER = """\
# The exact versions CI installed and tested (Python 3.11, Linux x86_64), used as constraints:
#     pip install -c requirements.lock -e .                 the application
#     pip install -c requirements.lock -e ".[dev,ct2,ray]"  and everything the tests use
# pyproject.toml keeps only lower bounds, for use as a library. To refresh it on purpose:
#     .ci/check-latest --write-lock   (installs the newest releases, runs the smoke runs and the
#                                      tests, and rewrites this file only when they all pass)
# torch is the CPU build: on Linux it comes from PyTorch's CPU index (see README), never CUDA.
"""


def installed() -> dict[str, str]:
    """Package name -> version of this environment, the project itself left out."""
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pins = (line.split("==", 1) for line in frozen.splitlines() if "==" in line and not line.startswith("#"))
    return {name: version for name, version in pins}


def locked(lock: Path) -> dict[str, str]:
    """Package name -> version the lock asks for on this platform (its markers evaluated)."""
    pins: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        requirement, _, marker = line.split("#", 1)[0].partition(";")
        if "==" not in requirement or (marker.strip() and not Marker(marker.strip()).evaluate()):
            continue
        name, version = requirement.split("==", 1)
        pins[canonicalize_name(name)] = version.strip()
    return pins


def lock_lines(versions: dict[str, str]) -> list[str]:
    """One pin a line, sorted by name; torch as the CPU build on Linux and the plain wheel elsewhere."""
    lines = []
    for name in sorted(versions, key=str.lower):
        version = versions[name]
        if canonicalize_name(name) == "torch":
            plain = version.split("+", 1)[0]
            lines += [f'torch=={plain}+cpu ; sys_platform == "linux"', f'torch=={plain} ; sys_platform != "linux"']
        else:
            lines.append(f"{name}=={version}")
    return lines


def check(lock: Path) -> int:
    pins = locked(lock)
    problems = []
    for name, version in sorted(installed().items()):
        wanted = pins.get(canonicalize_name(name))
        if wanted is None:
            problems.append(f"{name}=={version} is installed but not in {lock}")
        elif wanted != version:
            problems.append(f"{name}=={version} is installed but {lock} pins {wanted}")
    for problem in problems:
        print(f"lock: {problem}", file=sys.stderr)
    print(f"lock: {len(installed())} installed packages checked against {lock}: {len(problems)} differ", file=sys.stderr)
    return 1 if problems else 0


def diff(lock: Path) -> int:
    pins = locked(lock)
    rows = sorted(installed().items(), key=lambda item: item[0].lower())
    changed = [(name, pins.get(canonicalize_name(name), "(new)"), version) for name, version in rows]
    changed = [row for row in changed if row[1] != row[2]]
    for name, old, new in changed:
        print(f"  {name:32} {old:>14} -> {new}")
    print(f"  {len(changed)} of {len(rows)} packages differ")
    return 0


def write(lock: Path) -> int:
    lock.write_text(HEADER + "\n".join(lock_lines(installed())) + "\n", encoding="utf-8")
    print(f"lock: wrote {lock}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    commands = {"check": check, "write": write, "diff": diff}
    if len(sys.argv) != 3 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    sys.exit(commands[sys.argv[1]](Path(sys.argv[2])))
