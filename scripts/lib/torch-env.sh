# Sourced by scripts/setup, scripts/build and scripts/gpu-check: where the project's
# LibTorch comes from. LibTorch is PyPI's `torch` wheel (CUDA build; its libraries
# also run on machines without a GPU), installed once into a virtual environment
# outside the checkout, so every clone on the machine (and CI) reuses it.
#
#   WFVAE_TORCH_PYTHON=/path/to/python   use the `torch` of an existing Python instead
#                                        (no venv, no download); it must be torch 2.x
#   WFVAE_TORCH_ENV=DIR                  where the project's venv lives (default below)

WFVAE_TORCH_VERSION=2.11.0   # pinned: the GPU machines run 2.11 (+cu130), and so do we
WFVAE_TORCH_ENV=${WFVAE_TORCH_ENV:-${XDG_CACHE_HOME:-$HOME/.cache}/wfvae-studio/torch-$WFVAE_TORCH_VERSION}

# The Python whose torch the build uses.
wfvae_torch_python() {
  if [ -n "${WFVAE_TORCH_PYTHON:-}" ]; then echo "$WFVAE_TORCH_PYTHON"; else echo "$WFVAE_TORCH_ENV/bin/python"; fi
}

# torch's CMake package folder (torch.utils.cmake_prefix_path), found without
# importing torch (which takes seconds).
wfvae_torch_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wfvae_torch_cmake_prefix() {
  "$(wfvae_torch_python)" "$wfvae_torch_lib/torch_cmake_prefix.py"
}

# The CUDA toolkit that compiles the CUDA half of the build (nvcc must match the
# wheel's CUDA major version: torch 2.11 from PyPI is cu130, the toolkit here 13.0).
wfvae_cuda_root() {
  if [ -n "${CUDA_HOME:-}" ] && [ -x "$CUDA_HOME/bin/nvcc" ]; then echo "$CUDA_HOME"
  elif command -v nvcc >/dev/null 2>&1; then dirname "$(dirname "$(command -v nvcc)")"
  elif [ -x /usr/local/cuda/bin/nvcc ]; then echo /usr/local/cuda
  fi
}
