#!/usr/bin/env bash
# Install rlkit (editable, from this checkout) with the PyTorch build that fits this machine.
#
#   bash scripts/install.sh         # rlkit and its dependencies
#   bash scripts/install.sh dev     # ... plus the test tools (pytest, ruff, mypy), [sweep] and [docs]
#   bash scripts/install.sh docs    # MkDocs, Material for MkDocs, mkdocstrings: the site (mkdocs.yml)
#   bash scripts/install.sh sweep   # Hydra's joblib launcher and Optuna sweeper
#   bash scripts/install.sh ray     # Hydra's Ray launcher and Ray (several hundred MB)
#   bash scripts/install.sh dev,ray # several extras: comma-separated (or as separate words)
#   bash scripts/install.sh web     # npm's front-end packages of rlkit.web (onnxruntime-web,
#                                   # playwright-core) into web/node_modules; needs node and npm
#
# dev also runs the web step when npm is on the PATH (a few seconds: the browser tests need it);
# the browser tests themselves skip, saying why, where node, chromium or node_modules is missing.
#
# With an NVIDIA GPU, pip takes the default PyTorch wheel (a CUDA build). Without one it first
# installs the CPU build, so that the several-GB CUDA build is never downloaded: on the course's
# machines `torch==2.13.0` is a CPU wheel that pip finds on disk; elsewhere set RLKIT_TORCH_INDEX to
# PyTorch's CPU wheel index (see the README). rlkit itself declares torch>=2.3, so an existing torch
# install is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python}"
# "dev,ray" and "dev ray" both become pip's ".[dev,ray]".
joined="$(IFS=,; echo "$*")"
torch_version="${RLKIT_TORCH_VERSION:-2.13.0}"

has_gpu() { command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; }

if ! has_gpu && ! "$python" -c "import torch" >/dev/null 2>&1; then
    echo "install.sh: no GPU found: installing the CPU build of torch==$torch_version" >&2
    "$python" -m pip install "torch==$torch_version" ${RLKIT_TORCH_INDEX:+--extra-index-url "$RLKIT_TORCH_INDEX"}
fi
# "web" is npm's, not a pip extra: take it out of the list pip sees.
web=false
pip_extras=()
IFS=, read -r -a requested <<< "$joined"
for extra in "${requested[@]}"; do
    case "$extra" in
        web) web=true ;;
        dev) pip_extras+=("$extra"); command -v npm >/dev/null 2>&1 && web=true ;;
        "") ;;
        *) pip_extras+=("$extra") ;;
    esac
done
pip_joined="$(IFS=,; echo "${pip_extras[*]}")"
extras="${pip_joined:+[$pip_joined]}"
"$python" -m pip install -e ".$extras"

if [ "$web" = true ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "install.sh: web needs node and npm (apt-get install nodejs npm); the browser page and its tests need them" >&2
        exit 1
    fi
    # npm ci installs exactly web/package-lock.json's versions (onnxruntime-web, playwright-core);
    # no browser is downloaded: the tests drive the system's chromium.
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
