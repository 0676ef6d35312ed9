"""Renew the record of which GPU speed paths' code passed its tests on a GPU.

    python scripts/record_gpu_pass.py

Run it on a machine with a CUDA GPU, from a checkout. It runs ``tests/fast/test_cuda_graphs.py``
there; only when every one of its GPU tests ran and passed does it write, for each GPU speed path
(``rlkit/fast/gpu_passes.py``), the SHA-256 of the path's sources, the commit, the card and the
date into ``rlkit/fast/gpu_passes.json``. Commit that file with the code it vouches for: with
``agent.cuda_graphs=null`` a path is then on by default on a GPU until its code changes again.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import torch

from rlkit.fast.gpu_passes import GPU_PATHS, PACKAGE, RECORD, source_hash

ROOT = Path(__file__).resolve().parent.parent
TESTS = "tests/fast/test_cuda_graphs.py"


def run_gpu_tests() -> str:
    """Run the GPU tests; the reason they do not vouch for the code, or ``""`` when they do."""
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-n", "0", "-p", "no:cacheprovider", TESTS],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        return f"{TESTS} failed:\n{out.stdout[-3000:]}"
    if "no CUDA GPU" in out.stdout:
        return f"{TESTS} skipped its GPU tests (torch sees no GPU)"
    return ""


def commit_of(path: str) -> str:
    """HEAD's commit, marked ``-dirty`` where the path's sources differ from it."""
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    files = [str(PACKAGE.relative_to(ROOT) / name) for name in GPU_PATHS[path]]
    changed = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", *files], cwd=ROOT)
    return head + ("-dirty" if changed.returncode else "")


def main() -> int:
    """Check for a GPU, run its tests, and write the record when they pass."""
    if not torch.cuda.is_available():
        print("record_gpu_pass.py needs a CUDA GPU (torch sees none): nothing recorded")
        return 2
    reason = run_gpu_tests()
    if reason:
        print(f"not recorded: {reason}")
        return 1
    record = json.loads(RECORD.read_text())
    card = torch.cuda.get_device_name(0)
    date = datetime.date.today().isoformat()
    for path in GPU_PATHS:
        record["passes"][path] = {
            "sha256": source_hash(path),
            "commit": commit_of(path),
            "card": card,
            "date": date,
        }
    RECORD.write_text(json.dumps(record, indent=2) + "\n")
    print(f"recorded {', '.join(GPU_PATHS)} as passed on {card}: commit {RECORD.name} with them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
