"""Every command in README.md and docs/*.md works as written, on a copy of the project, without an activated venv.

What counts as a command: each line of a ``bash``/``sh``/``shell``/``console`` code block (a block is run as
one script, so ``cd`` and variables carry over; ``\\`` continuations and here-documents are kept whole), each
``python`` code block, and each inline code span that starts with a program (``make``, ``python``,
``.venv/bin/...``, ``pytest``, ``jupyter``, ``git`` ...) and has at least one argument. Blocks marked
``<!-- test: NAME -->`` are run by tests/test_adapting.py and are skipped here; a ``python`` block marked
``<!-- example: needs a cluster -->`` (it starts a Slurm cluster) is compiled, not run. A span that names a tool in a
sentence rather than a command to type is listed in ``MENTIONS`` with the check that the tool exists.

How each command is checked (``command_table()`` lists them all; run this file with python to print it):

- **run**: for real, in a copy of the project (the files git knows, with the project's ``.venv`` linked in,
  ``COMPENDIUM_ROOT`` pointing at the copy), with ``.venv/bin`` removed from ``PATH`` and ``HOME`` in a
  temporary folder: ``make plan``, ``make verify-data``, ``make strip-notebooks``, the synthetic generator,
  ``helpers.data.datapackage record``, ``helpers.data.real_data check``/``hash``, the ``-c`` and ``python``
  snippets, ``git clone``. Paths and sizes are replaced as ``substitutions()`` says (``/tmp/`` and ``/secure/``
  to temporary folders holding a synthetic "delivery" with the documented column names, ``--n`` to the
  smallest calibrated size, placeholders such as ``FILE`` or ``{...}`` to that file and its column map).
- **resolved**: expensive ``make`` targets (``RESOLVED_MAKE_TARGETS``: all, test, test-fast, benchmark,
  validation, mutation, lab, lock, env, pipeline) with ``make -n TARGET`` (the target exists and its recipe
  expands); ``helpers.pipeline run ...`` with ``helpers.pipeline plan`` and the same arguments (the runner
  checks step names and every ``-p`` name and type before anything runs; the run-only flags ``--force``,
  ``--no-export`` and ``--jobs`` must be listed by ``run --help``); a command in ``NEEDS_A_RESOLVED_RUN``
  (it reads the output of a run that is only resolved) with ``--help`` listing each option it uses; a
  ``-m module`` named without arguments with ``--help``.
- ``make lab`` is also started for real by ``test_make_lab_serves_the_project_root_with_the_project_kernel``.

A command whose check exits non-zero, prints a traceback, misses its ``EXPECTED_OUTPUT`` or keeps a
placeholder fails its own test case (``README.md:LINE``). ``test_a_broken_command_fails_the_check`` shows
that the check fails for a command that needs an activated venv, a missing make target and a refused size.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers.paths import EU_RAW_FILE, PROJECT_ROOT

from test_adapting import make_copy  # the same copy of the project as the walk-through's

DOCUMENTS = ("README.md", *sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "docs").glob("*.md")))
SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}
PROGRAMS = {"make", "python", "python3", "pytest", "jupyter", "pip", "uv", "bash", "sh", "git", "nbstripout",
            "papermill", "cd", "sudo", "apt-get", "conda"}
FENCE = re.compile(r"^(?P<marker><!-- (?:test: [\w-]+|example: [^>]*) -->\n)?```(?P<language>[\w-]*)\n(?P<body>.*?)^```\s*$",
                   re.DOTALL | re.MULTILINE)
INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")

# make targets too slow (or too recursive) to run inside a test; checked with make -n.
RESOLVED_MAKE_TARGETS = {
    "all": "the whole compendium (about a minute and more)",
    "test": "the whole test suite (this test is part of it)",
    "test-fast": "the fast test suite (this test is part of it)",
    "benchmark": "several full runs",
    "validation": "a long validation run",
    "mutation": "mutation testing",
    "lab": "a server that keeps running; started for real by the make lab test",
    "lock": "re-resolves the lock from the package index",
    "env": "creates .venv (about a minute)",
    "pipeline": "the whole compendium",
}
RUN_ONLY_FLAGS = ("--force", "--no-export", "--jobs")
# Commands that read what a (resolved-only) full run wrote: checked with --help listing their options.
NEEDS_A_RESOLVED_RUN = {
    r"helpers\.data\.real_data hash .*--processed": "compares with the provenance.json of a full real-data run",
    r"scripts/mutation_score\.py": "summarises the results of a `make mutation` run",
}
# Inline spans that name a tool in a sentence; each is checked to exist with the command given.
MENTIONS = {
    "uv pip compile": ".venv/bin/uv pip compile --help",
}
# Column names of the synthetic "delivery" under /secure/, as the real-data guide writes them.
DELIVERY_MAP = {"respondent": "RESPID", "land": "COUNTRY", "interview_date": "INTDATE", "q_sex": "SEX",
                "q_age": "AGE"}
DELIVERY_MAP_TEXT = "{" + ", ".join(f"{mine}: {theirs}" for mine, theirs in DELIVERY_MAP.items()) + "}"
SMALLEST_EU_SAMPLE = 1000  # helpers.eu.synthetic.MIN_N
# (pattern in the check command, what its output must hold)
EXPECTED_OUTPUT = [
    (r"helpers\.pipeline plan|make plan", r"Pipeline: \d+ step"),
    (r"make verify-data|datapackage verify", r"all raw files match"),
    (r"datapackage record", r"recorded checksums in"),
    (r"real_data check", r"codebook columns missing: none"),
    (r"real_data hash /", r"^[0-9a-f]{64}  "),
    (r"helpers\.eu\.synthetic", r"Wrote .*: \d+ records"),
    (r"codebook_table", r"RESPID"),
]


@dataclass
class Unit:
    """One thing to check: a code block (its commands share one shell) or an inline command span."""

    document: str
    line: int
    kind: str  # "block", "python", "example" (a python block marked <!-- example: needs a cluster -->) or "inline"
    commands: list[str] = field(default_factory=list)  # logical commands, as written
    source: str = ""  # the python block's code

    @property
    def name(self) -> str:
        return f"{self.document}:{self.line}"


def logical_commands(body: str) -> list[str]:
    """A shell block's commands: continuation lines joined, here-documents kept with their command."""
    commands: list[str] = []
    lines = body.splitlines()
    index = 0
    while index < len(lines):
        command = lines[index]
        while command.endswith("\\") and index + 1 < len(lines):
            index += 1
            command = command[:-1].rstrip() + " " + lines[index].strip()
        heredoc = re.search(r"<<-?\s*'?\"?(\w+)", command)
        if heredoc:
            while index + 1 < len(lines) and lines[index].strip() != heredoc.group(1):
                index += 1
                command += "\n" + lines[index]
        if command.strip() and not command.lstrip().startswith("#"):
            commands.append(command.strip())
        index += 1
    return commands


def is_command_span(span: str) -> bool:
    """An inline span that starts with a program and has an argument (a bare ``pytest`` is a name)."""
    words = span.split()
    return len(words) >= 2 and (words[0] in PROGRAMS or words[0].startswith((".venv/bin/", "./", "scripts/")))


def extract_units(text: str, document: str) -> list[Unit]:
    """The commands of one markdown document, in order of appearance."""
    units: list[Unit] = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start("body"))  # the first line of the block, 1-based
        language, body = match.group("language"), match.group("body")
        if match.group("marker", "language") == ("<!-- example: needs a cluster -->\n", "python"):
            units.append(Unit(document, line, "example", source=body))  # compiled, not run
            continue
        if match.group("marker"):
            continue  # run by tests/test_adapting.py
        if language in SHELL_LANGUAGES:
            units.append(Unit(document, line, "block", logical_commands(body)))
        elif language == "python":
            units.append(Unit(document, line, "python", source=body))
    prose = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for match in INLINE.finditer(prose):
        span = match.group(1).strip()
        if is_command_span(span) and span not in MENTIONS:
            units.append(Unit(document, prose.count("\n", 0, match.start()) + 1, "inline", [span]))
    return units


def all_units() -> list[Unit]:
    """Every document's units; an inline span already checked elsewhere (``make all`` ...) only once."""
    units, seen = [], set()
    for name in DOCUMENTS:
        for unit in extract_units((PROJECT_ROOT / name).read_text("utf-8"), name):
            if unit.kind == "inline" and unit.commands[0] in seen:
                continue
            seen.update(command.split("#")[0].strip() for command in unit.commands)
            units.append(unit)
    return units


# ---------------------------------------------------------------------------------------------------------
# From a documented command to the command that checks it
# ---------------------------------------------------------------------------------------------------------


def words(command: str) -> list[str]:
    """The command's words, comments dropped; [] when the shell syntax is beyond shlex (here-documents)."""
    try:
        return shlex.split(command.split("\n", 1)[0], comments=True)
    except ValueError:
        return []


def without_comment(command: str) -> str:
    """The command without a trailing ``# comment`` (a ``#`` after a blank, outside quotes)."""
    quote = None
    for position, character in enumerate(command):
        if quote:
            quote = None if character == quote else quote
        elif character in "'\"":
            quote = character
        elif character == "#" and (position == 0 or command[position - 1].isspace()):
            return command[:position].rstrip()
    return command


def without_assignments(tokens: list[str]) -> list[str]:
    """``tokens`` without the leading environment assignments (``VAR=value``) of a shell command."""
    index = 0
    while index < len(tokens) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", tokens[index]):
        index += 1
    return tokens[index:]


def make_target(tokens: list[str]) -> str | None:
    """The first target of a ``make`` command (None: the Makefile's default, ``help``)."""
    targets = [token for token in tokens[1:] if not token.startswith("-") and "=" not in token]
    return targets[0] if targets else None


def check_for(command: str) -> tuple[str, str]:
    """``(mode, shell command)``: how the documented ``command`` is checked (see the module docstring)."""
    tokens = words(command)
    if "\n" not in command:  # a here-document keeps its text as written
        command = without_comment(command)
    assignments = len(tokens) - len(without_assignments(tokens))  # ``VAR=value make ...``
    if without_assignments(tokens)[:1] == ["make"] and make_target(without_assignments(tokens)) in RESOLVED_MAKE_TARGETS:
        return "resolved", re.sub(r"^((?:\S+=\S*\s+){%d})make\b" % assignments, r"\1make -n", command)
    if tokens[1:4] == ["-m", "helpers.pipeline", "run"]:
        plan = re.sub(r"helpers\.pipeline\s+run\b", "helpers.pipeline plan", command)
        plan = re.sub(r"\s--(force|no-export)\b|\s--jobs[= ]\S+", "", plan)
        used = [flag for flag in RUN_ONLY_FLAGS if re.search(rf"\s{flag}\b", command)]
        return "resolved", plan + "".join(f" && {tokens[0]} -m helpers.pipeline run --help | grep -q -- {flag}"
                                          for flag in used)
    for pattern in NEEDS_A_RESOLVED_RUN:
        if re.search(pattern, command):
            options = [token for token in tokens if token.startswith("--")]
            subcommand = [token for token in tokens[3:4] if not token.startswith("-")]
            helper = shlex.join([*tokens[:3], *subcommand, "--help"])
            return "resolved", f"help=$({helper}) && " + " && ".join(
                f"grep -q -- {shlex.quote(option)} <<<\"$help\"" for option in options)
    if len(tokens) == 3 and tokens[1] == "-m":
        return "resolved", command + " --help"
    return "run", command


def substitutions(tmp: Path) -> list[tuple[str, str]]:
    """``(pattern, replacement)`` applied to every check: temporary paths, a small size, placeholders."""
    delivery = tmp / "secure" / "coproduction2008.sav"
    return [
        (r"(?<![\w/.])/tmp/", f"{tmp}/scratch/"),  # the README's example outputs
        (r"(?<![\w/.])/secure/", f"{tmp}/secure/"),  # the real-data guide's delivery
        (r"--n \d+", f"--n {SMALLEST_EU_SAMPLE}"),  # the generator at the smallest calibrated size
        (r"<the compendium's repository>", shlex.quote(str(PROJECT_ROOT))),
        (r"(?<![\w/])FILE(?![\w/])", str(delivery)),
        (r"'\{\.\.\.\}'", shlex.quote(DELIVERY_MAP_TEXT)),
        (r"--column-map \.\.\.", f"--column-map {shlex.quote(DELIVERY_MAP_TEXT)}"),
        (r", \.\.\.\}", "}"),  # "{a: A, ...}": the map as far as written
    ]


def substituted(command: str, tmp: Path) -> str:
    for pattern, replacement in substitutions(tmp):
        command = re.sub(pattern, lambda _: replacement, command)
    return command


def leftover_placeholders(command: str) -> list[str]:
    """Placeholders still in a command after substitution (``...``, ``<your file>``), comments aside."""
    text = without_comment(command.split("\n", 1)[0])
    return re.findall(r"\.\.\.|<[^\s<>][^<>\n]*[^\s<>]>|<\w>", text)


def command_table() -> list[tuple[str, str, str]]:
    """``(where, mode, command)`` for every documented command."""
    rows = []
    for unit in all_units():
        if unit.kind == "python":
            rows.append((unit.name, "run", "python block: " + unit.source.splitlines()[0]))
            continue
        if unit.kind == "example":
            rows.append((unit.name, "compiled", "python example (needs a cluster): " + unit.source.splitlines()[0]))
        for command in unit.commands:
            rows.append((unit.name, check_for(command)[0], command.split("\n")[0]))
    rows += [("(mention)", "resolved", f"{span}  ->  {check}") for span, check in MENTIONS.items()]
    return rows


# ---------------------------------------------------------------------------------------------------------
# Running the checks
# ---------------------------------------------------------------------------------------------------------


def without_venv_environment(copy: Path, tmp: Path) -> dict[str, str]:
    """The environment of a fresh shell: no activated venv, HOME in a temporary folder, the copy as root."""
    venv_bins = {str(PROJECT_ROOT / ".venv" / "bin"), str(copy / ".venv" / "bin"), str(Path(sys.executable).parent)}
    path = [entry for entry in os.environ.get("PATH", "").split(os.pathsep)
            if entry and entry not in venv_bins and ".venv" not in Path(entry).parts]
    environment = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    (tmp / "home").mkdir(exist_ok=True)
    return environment | {"PATH": os.pathsep.join(path), "HOME": str(tmp / "home"), "COMPENDIUM_ROOT": str(copy)}


@dataclass
class Checked:
    returncode: int
    output: str
    script: str
    problems: list[str]


def check_unit(unit: Unit, copy: Path, tmp: Path, timeout: float = 600) -> Checked:
    """Run the unit's checks in ``copy``; return the result and what is wrong with it."""
    problems: list[str] = []
    checks: list[str] = []
    if unit.kind == "python":
        script, stdin = ".venv/bin/python -", unit.source
        expected = [line[2:] for line in trailing_comment_lines(unit.source)]
    elif unit.kind == "example":  # needs what a test cannot have (a Slurm cluster): it must at least compile
        script, stdin, expected = ".venv/bin/python -c 'import sys; compile(sys.stdin.read(), \"example\", \"exec\")'", \
            unit.source, []
    else:
        checks = [substituted(check_for(command)[1], tmp) for command in unit.commands]
        problems += [f"placeholder left in {check!r}: {leftover_placeholders(check)}"
                     for check in checks if leftover_placeholders(check)]
        script, stdin, expected = "set -euxo pipefail\n" + "\n".join(checks), None, []
    done = subprocess.run(["bash", "-c", script], cwd=copy, env=without_venv_environment(copy, tmp), input=stdin,
                          capture_output=True, text=True, timeout=timeout)
    output = done.stdout + done.stderr
    if done.returncode != 0:
        problems.append(f"exit status {done.returncode}")
    if "Traceback (most recent call last)" in output:
        problems.append("a Python traceback")
    for check in checks:
        for pattern, wanted in EXPECTED_OUTPUT:
            if re.search(pattern, check) and not re.search(wanted, output, re.MULTILINE):
                problems.append(f"{check.splitlines()[0]!r}: output lacks {wanted!r}")
    if expected and done.stdout.splitlines() != expected:
        problems.append(f"printed {done.stdout.splitlines()}, the document says {expected}")
    return Checked(done.returncode, output, script, problems)


def trailing_comment_lines(source: str) -> list[str]:
    """The ``# ...`` lines that end a python block: the output the document says it prints."""
    lines = source.rstrip().splitlines()
    tail: list[str] = []
    while lines and lines[-1].startswith("# "):
        tail.insert(0, lines.pop())
    return tail


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project (as a fresh clone would have it) with the project's .venv linked in."""
    stamp = subprocess.run(["make", "-q", ".venv/.installed"], cwd=PROJECT_ROOT, capture_output=True)
    if stamp.returncode != 0:
        pytest.fail("the project's .venv is older than requirements.lock or pyproject.toml: run `make env` first "
                    "(otherwise make in the copy would reinstall the shared .venv)")
    return make_copy(tmp_path_factory.mktemp("readme-copy"))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Temporary folders for /tmp/, /secure/ and HOME, with a synthetic delivery in the guide's column names."""
    import pandas as pd
    import pyreadstat

    tmp = tmp_path_factory.mktemp("readme-scratch")
    (tmp / "scratch").mkdir()
    (tmp / "secure").mkdir()
    respondents = pd.read_csv(EU_RAW_FILE, dtype=str, keep_default_na=False).drop(columns=["SYNTHETIC"])
    numeric = respondents.drop(columns=["COUNTRY", "INTDATE"]).apply(pd.to_numeric, errors="coerce")
    delivery = pd.concat([respondents[["COUNTRY", "INTDATE"]], numeric], axis=1)[respondents.columns]
    renamed = delivery.rename(columns={theirs: mine for mine, theirs in DELIVERY_MAP.items()})
    pyreadstat.write_sav(renamed, str(tmp / "secure" / "coproduction2008.sav"))
    return tmp


UNITS = all_units()


def test_the_documents_commands_are_found() -> None:
    """The extraction sees the commands a reader sees (so that an empty list cannot pass)."""
    found = {command for unit in UNITS for command in unit.commands}
    for command in ("make all", "make test", "make lab", "make plan", "make verify-data", "make test-fast",
                    ".venv/bin/python -m helpers.pipeline plan", ".venv/bin/python -m helpers.data.datapackage record"):
        assert any(line.split("#")[0].strip() == command for line in found), command
    assert any("helpers.eu.synthetic" in command for command in found)
    assert any(unit.kind == "python" for unit in UNITS)
    prose = "\n".join((PROJECT_ROOT / name).read_text("utf-8") for name in DOCUMENTS)
    assert all(f"`{span}`" in prose for span in MENTIONS), "a MENTIONS entry no longer appears: remove it"
    modes = {mode for _, mode, _ in command_table()}
    assert modes == {"run", "resolved", "compiled"}


def test_how_a_command_is_split_and_checked() -> None:
    """Hand-worked examples of the rules in the module docstring."""
    assert logical_commands("a \\\n    --b c\n# note\ncat > f <<'EOF'\nx # y\nEOF\nd  # e") == [
        "a --b c", "cat > f <<'EOF'\nx # y\nEOF", "d  # e"]
    assert check_for("make all     # everything") == ("resolved", "make -n all")
    assert check_for("make plan") == ("run", "make plan")
    runner = ".venv/bin/python -m helpers.pipeline"
    assert check_for(f"{runner} run --force --jobs 2 -p 'a=b #c' --only x  # note") == (
        "resolved", f"{runner} plan -p 'a=b #c' --only x && {runner} run --help | grep -q -- --force"
                    f" && {runner} run --help | grep -q -- --jobs")
    assert check_for(runner) == ("resolved", f"{runner} --help")
    assert check_for(f"MAP='{{a: b}}'") == ("run", "MAP='{a: b}'")
    tmp = Path("/scratch")
    assert substituted(".venv/bin/python -m m --n 20000 --out /tmp/eu.csv FILE '{...}'", tmp) == (
        f".venv/bin/python -m m --n {SMALLEST_EU_SAMPLE} --out /scratch/scratch/eu.csv "
        f"/scratch/secure/coproduction2008.sav '{DELIVERY_MAP_TEXT}'")
    assert leftover_placeholders("x <your file> --map '{a: <b>}' ... < in > out  # <c> ...") == [
        "<your file>", "<b>", "..."]
    assert is_command_span("make lab") and is_command_span(".venv/bin/python -m x")
    assert not is_command_span("pytest") and not is_command_span("-p name=value")


def test_no_command_needs_an_activated_venv() -> None:
    """``python``/``pytest``/``jupyter`` alone are the system's, not the project's: write .venv/bin/ or make."""
    bare = [(unit.name, command) for unit in UNITS for command in unit.commands
            if words(command)[:1] and words(command)[0] in {"python", "python3", "pytest", "jupyter", "pip",
                                                            "nbstripout", "papermill"}]
    assert bare == []


@pytest.mark.parametrize("unit", UNITS, ids=[unit.name for unit in UNITS])
def test_documented_command_works_as_written(unit: Unit, project_copy: Path, scratch: Path) -> None:
    checked = check_unit(unit, project_copy, scratch)
    assert checked.problems == [], f"{unit.name}: {checked.problems}\n--- script\n{checked.script}\n--- output\n" \
                                   f"{checked.output[-4000:]}"


@pytest.mark.parametrize("span", sorted(MENTIONS))
def test_mentioned_tool_exists(span: str) -> None:
    done = subprocess.run(["bash", "-c", MENTIONS[span]], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_command_fails_the_check(project_copy: Path, scratch: Path) -> None:
    """The check is not a formality: each of these documented commands would fail it."""
    document = ("Make one: `python -m helpers.eu.synthetic --seed 1 --n 2000 --out /tmp/x.csv`.\n\n"
                "```bash\nmake no-such-target\n```\n\n"
                "```bash\n.venv/bin/python -m helpers.eu.synthetic --seed 1 --out /tmp/y.csv --n2 5\n```\n\n"
                "```bash\n.venv/bin/python -m helpers.pipeline run -p confidense_level=0.9\n```\n\n"
                "```bash\n.venv/bin/python -m helpers.data.real_data check FILE --column-map '{<yours>: RESPID}'\n```\n")
    units = extract_units(document, "broken.md")
    assert [unit.kind for unit in units] == ["block", "block", "block", "block", "inline"]
    results = {unit.name: check_unit(unit, project_copy, scratch) for unit in units}
    assert all(result.problems for result in results.values()), {n: r.problems for n, r in results.items()}
    assert re.search(r"No module named|command not found", results["broken.md:1"].output)  # needs a venv
    assert "a Python traceback" not in results["broken.md:7"].problems  # a refused option is one line
    assert any("confidense_level" in line for line in results["broken.md:11"].output.splitlines())


def test_a_refused_size_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """The generators refuse a sample below what their calibration is checked for, as a usage error."""
    for module, option in (("helpers.eu.synthetic", "--n"), ("helpers.oecd.synthetic", "--officials")):
        done = subprocess.run([sys.executable, "-m", module, option, "10", "--out", str(tmp_path / "x.csv")],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr and "error: " in done.stderr, done.stderr
        assert not (tmp_path / "x.csv").exists()


# ---------------------------------------------------------------------------------------------------------
# make lab, for real
# ---------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def api(port: int, token: str, path: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.load(answer)


def wait_for_api(server: subprocess.Popen[str], port: int, token: str, timeout: float = 90) -> dict:
    """The server's /api/status once it answers; fails when the server exits or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"make lab exited with {server.returncode}: {server.communicate()[0][-3000:]}")
        try:
            return api(port, token, "/api/status")
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer on port {port} within {timeout} s")


def stop(server: subprocess.Popen[str]) -> str:
    """End make and JupyterLab (their own process group), politely first; return what they printed."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            return server.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    return server.communicate()[0]


def echoed_recipe(output: str, command: str) -> str:
    """The recipe line make echoed for ``command``, with its ``\\`` continuation lines."""
    lines = output.splitlines()
    start = next(index for index, line in enumerate(lines) if command in line)
    end = start
    while lines[end].endswith("\\") and end + 1 < len(lines):
        end += 1
    return "\n".join(lines[start:end + 1])


def test_make_lab_serves_the_project_root_with_the_project_kernel(project_copy: Path, scratch: Path) -> None:
    port, token = free_port(), "readme-commands-test"
    arguments = f"--no-browser --port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token}"
    server = subprocess.Popen(["make", "lab", f"LAB_ARGS={arguments}"], cwd=project_copy,
                              env=without_venv_environment(project_copy, scratch), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        wait_for_api(server, port, token)
        root = {item["name"] for item in api(port, token, "/api/contents?content=1")["content"]}
        notebooks = {item["name"] for item in api(port, token, "/api/contents/notebooks?content=1")["content"]}
        kernels = api(port, token, "/api/kernelspecs")
    finally:
        output = stop(server)
    assert {"notebooks", "docs", "reports", "README.md"} <= root, root
    assert "21_eu_estimates.ipynb" in notebooks
    assert kernels["default"] == "python3"
    interpreter = Path(kernels["kernelspecs"]["python3"]["spec"]["argv"][0])
    assert interpreter.parent.resolve() == (PROJECT_ROOT / ".venv" / "bin").resolve(), interpreter
    assert ("--allow-root" in echoed_recipe(output, "jupyter lab")) == (os.getuid() == 0), output[:2000]


if __name__ == "__main__":
    for where, mode, command in command_table():
        print(f"{where:28} {mode:9} {command}")
