"""The page's modules under Node (node:test): tests/web/*.test.mjs, with a small stand-in DOM (fake_dom.mjs)."""

import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).parent


def test_the_web_modules_pass_their_node_tests():
    node = shutil.which("node")
    assert node, "Node.js runs the page's module tests (make test installs it with the npm packages)"
    files = sorted(str(p) for p in HERE.glob("*.test.mjs"))
    assert files
    run = subprocess.run([node, "--test", *files], capture_output=True, text=True, timeout=120, cwd=HERE.parents[1])
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
