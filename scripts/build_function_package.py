"""Stage the Function App package: the app folder filtered by .funcignore, with the Functions' own requirements.

azure.yaml runs this before `azd deploy api` packages the service (the api service's prepackage hook) and points azd at
the staged folder (its `dist`); azd zips that folder and the remote build installs its requirements.txt.
tests/infra/test_function_package.py builds the package with this same script (`--zip` zips it as azd does).

.funcignore is read the way azd reads it (github.com/denormal/go-gitignore, behind azd's createDeployableZip): the
last pattern that matches a path decides, `!` re-includes, a trailing `/` matches folders only, a pattern with a `/`
inside is matched against the whole relative path (`*` never crossing a `/`), one without is matched against the last
part of the path, and an excluded folder is never entered. Like azd, it never packs `.azure`, `.funcignore` or
`local.settings.json`; unlike azd with an ignore file, it never packs a virtualenv, whatever its name.

Standard library only: it runs on the deployer's machine before any virtualenv exists.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGED = ".rehearse-data/function-app"  # azure.yaml: services.api.dist
# The package's requirements.txt (what the Functions host installs) is this file: the relay's packages stay out.
REQUIREMENTS = "requirements-functions.txt"
# What a package must hold, or scoring in Azure fails or runs without key-point coverage and tone.
REQUIRED = {
    "function_app.py": "the Functions entry point",
    "host.json": "the Functions host configuration",
    "requirements.txt": f"the Functions' requirements ({REQUIREMENTS})",
    "rehearse/data/models/tone.onnx": "the tone model (`make tone-model`)",
    ".rehearse-data/models/minilm/model.onnx": "the sentence embedder: run `make embedder` first",
    ".rehearse-data/models/minilm/tokenizer.json": "the sentence embedder's tokenizer: run `make embedder` first",
}
REQUIRED_FOLDERS = {"rehearse/data/questions": "the question banks", "rehearse/data/rubrics": "the rubrics"}
_ALWAYS_LEFT_OUT = {".azure", ".funcignore", "local.settings.json"}  # as azd does, .funcignore or not


class PackageIncomplete(Exception):
    """The staged package lacks something the Function App needs; the message says what to build."""


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    negated: bool
    folders_only: bool
    subject: str  # what the regex is matched against: "name" (the last part), "path", or "path/" (patterns with `**`)

    def matches(self, relative: str, is_folder: bool) -> bool:
        if self.folders_only and not is_folder:
            return False
        text = {"name": relative.rsplit("/", 1)[-1], "path": relative, "path/": relative + "/"}[self.subject]
        return bool(self.regex.fullmatch(text))


def _glob(part: str, slash_is_special: bool) -> str:
    """One glob as a regex: `*` and `?` stop at `/` when the path is matched whole (fnmatch's FNM_PATHNAME)."""
    other = "[^/]" if slash_is_special else "."
    out, i = [], 0
    while i < len(part):
        c = part[i]
        if c == "*":
            out.append(other + "*")
        elif c == "?":
            out.append(other)
        elif c == "[" and (end := part.find("]", i + 2)) != -1:
            body = part[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body[:1] in "!^" else body).replace("\\", "\\\\") + "]")
            i = end
        elif c == "\\" and i + 1 < len(part):
            i += 1
            out.append(re.escape(part[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _pattern(line: str) -> _Pattern | None:
    line = line.rstrip("\n").rstrip()
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    line = line[1:] if negated else line
    anchored = line.startswith("/")
    line = line.lstrip("/")
    folders_only = line.endswith("/")
    line = line.rstrip("/")
    if "**" in line.split("/"):
        # `**` stands for any number of folders, none included: each part is matched with its `/` after it
        regex = "".join("(?:[^/]+/)*" if part == "**" else _glob(part, True) + "/" for part in line.split("/"))
        return _Pattern(re.compile(regex), negated, folders_only, "path/")
    if "/" in line:
        return _Pattern(re.compile(_glob(line, True)), negated, folders_only, "path")
    # go-gitignore matches an anchored name (`/name`) against the whole path with plain fnmatch, where `*` crosses `/`
    return _Pattern(re.compile(_glob(line, False)), negated, folders_only, "path" if anchored else "name")


def read_ignore_file(path: Path) -> list[_Pattern]:
    text = path.read_text(encoding="utf-8-sig") if path.is_file() else ""  # a BOM is not part of the first pattern
    return [p for p in map(_pattern, text.splitlines()) if p is not None]


def _ignored(patterns: list[_Pattern], relative: str, is_folder: bool) -> bool:
    for pattern in reversed(patterns):
        if pattern.matches(relative, is_folder):
            return not pattern.negated
    return False


def select(root: Path, patterns: list[_Pattern]) -> list[str]:
    """The files azd would pack from `root` (relative, `/`-separated, sorted), never entering an excluded folder."""
    chosen: list[str] = []

    def walk(folder: Path, prefix: str) -> None:
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            relative = prefix + entry.name
            is_folder = entry.is_dir()  # follows symlinks, as azd does
            if entry.name in _ALWAYS_LEFT_OUT or _ignored(patterns, relative, is_folder):
                continue
            if is_folder:
                if not (Path(entry.path) / "pyvenv.cfg").is_file():
                    walk(Path(entry.path), relative + "/")
            else:
                chosen.append(relative)

    walk(root, "")
    return chosen


def stage(root: Path, out: Path) -> list[str]:
    """Lay the package out in `out` (emptied first); returns its files. Large files are hard links where possible."""
    files = [f for f in select(root, read_ignore_file(root / ".funcignore")) if f not in ("requirements.txt", REQUIREMENTS)]
    if out.exists():
        shutil.rmtree(out)
    for relative in files:
        _place(root / relative, out / relative)
    _place(root / REQUIREMENTS, out / "requirements.txt")
    files = sorted([*files, "requirements.txt"])
    _check_complete(out, files)
    return files


def _place(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(source, target)


def _check_complete(out: Path, files: list[str]) -> None:
    have = set(files)
    missing = [f"{path} ({why})" for path, why in REQUIRED.items() if path not in have]
    missing += [
        f"{folder}/ ({why})" for folder, why in REQUIRED_FOLDERS.items() if not any(f.startswith(folder + "/") for f in have)
    ]
    if missing:
        raise PackageIncomplete(f"the Function App package in {out} lacks: " + "; ".join(missing))


def zip_folder(folder: Path, archive: Path) -> int:
    """Zip `folder` as azd's createDeployableZip does (deflated, paths relative to it); returns the zip's size."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(folder).as_posix())
    return archive.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the app folder (default: this repository)")
    parser.add_argument("--out", type=Path, default=None, help=f"where to stage the package (default: ROOT/{STAGED})")
    parser.add_argument("--zip", type=Path, default=None, help="also zip the staged folder into this file")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    out = (args.out or root / STAGED).resolve()
    try:
        files = stage(root, out)
    except PackageIncomplete as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    size = sum((out / f).stat().st_size for f in files)
    print(f"staged the Function App package in {out}: {len(files)} files, {size / 2**20:.1f} MiB")
    if args.zip:
        zipped = zip_folder(out, args.zip.resolve())
        print(f"zipped it into {args.zip}: {zipped / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
