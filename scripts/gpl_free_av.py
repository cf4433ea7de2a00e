"""Replace the GPL video encoders that PyAV's Linux wheel vendors (x264, x265) with stand-ins that do nothing.

PyAV's wheel ships FFmpeg built with libx264 and libx265 (GPL-2.0-or-later), and libavcodec links them, so every
`import av` (the relay, the embedded default, aiortc) loads GPL code into the app's process, though Rehearse never
encodes video. This step compiles two small stand-ins (scripts/codec_stubs/, MIT) under the same file names and
sonames: libavcodec still loads, its H.264 and HEVC encoders fail to open with an error, and everything Rehearse uses
(the Opus decoder, libswresample) is FFmpeg's own LGPL code. A stand-in is recognised by its marker and left alone, so
running this again does nothing; run it after every install of `av` (make does; so does media_relay/Dockerfile).

    python scripts/gpl_free_av.py [SITE_PACKAGES]

Needs a C compiler (cc). Prints what it replaced; exits 1 with the reason when it cannot make the process GPL-free."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MARKER = b"rehearse-gpl-free-stub"
STUBS = Path(__file__).resolve().parent / "codec_stubs"
# vendored file name -> (stand-in source, the build-number macro it is compiled with)
_LIBRARIES = {
    re.compile(r"^libx264-[0-9a-f]+\.so\.(\d+)$"): ("x264_stub.c", "X264_BUILD"),
    re.compile(r"^libx265-[0-9a-f]+\.so\.(\d+)$"): ("x265_stub.c", "X265_BUILD"),
}


def vendored_libraries(site_packages: Path | None = None) -> Path | None:
    """av.libs beside the installed `av` package (found without importing it), or None when av has no vendored libs."""
    if site_packages is None:
        spec = importlib.util.find_spec("av")
        if spec is None or spec.origin is None:
            return None
        site_packages = Path(spec.origin).resolve().parent.parent
    folder = site_packages / "av.libs"
    return folder if folder.is_dir() else None


def is_stand_in(path: Path) -> bool:
    return MARKER in path.read_bytes()


def replace_gpl_encoders(folder: Path) -> list[str]:
    """Compile and put a stand-in in place of each vendored x264/x265 library; the names of those replaced."""
    compiler = shutil.which(os.environ.get("CC", "cc"))
    replaced = []
    for path in sorted(folder.iterdir()):
        for pattern, (source, macro) in _LIBRARIES.items():
            match = pattern.match(path.name)
            if match is None or is_stand_in(path):
                continue
            if compiler is None:
                raise SystemExit(f"{path.name} is GPL code that `import av` loads; a C compiler (cc) is needed to replace it")
            with tempfile.TemporaryDirectory() as scratch:
                built = Path(scratch) / path.name
                subprocess.run(
                    [compiler, "-shared", "-fPIC", "-O2", f"-D{macro}={match.group(1)}", f"-Wl,-soname,{path.name}",
                     "-o", str(built), str(STUBS / source)],
                    check=True,
                )
                built.chmod(path.stat().st_mode)
                os.replace(built, path)
            replaced.append(path.name)
    return replaced


def check_loads(folder: Path) -> None:
    """libavcodec with every symbol bound now (RTLD_NOW), in a fresh process: a missing one fails here, not in a session."""
    codecs = sorted(folder.glob("libavcodec-*.so*"))
    if not codecs:
        raise SystemExit(f"no libavcodec in {folder}")
    probe = "import ctypes, os, sys; ctypes.CDLL(sys.argv[1], mode=os.RTLD_NOW)"
    result = subprocess.run([sys.executable, "-c", probe, str(codecs[0])], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"libavcodec does not load with the stand-ins: {result.stderr.strip().splitlines()[-1:]}")


def main(argv: list[str]) -> int:
    folder = vendored_libraries(Path(argv[0]) if argv else None)
    if folder is None:
        print("gpl_free_av: no vendored FFmpeg libraries (av.libs) here; nothing to replace")
        return 0
    replaced = replace_gpl_encoders(folder)
    check_loads(folder)
    left = [p.name for p in folder.iterdir() if any(r.match(p.name) for r in _LIBRARIES) and not is_stand_in(p)]
    if left:
        print(f"gpl_free_av: still GPL: {left}", file=sys.stderr)
        return 1
    print(f"gpl_free_av: {', '.join(replaced)} replaced by stand-ins" if replaced else "gpl_free_av: already GPL-free")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
