"""Prints torch's CMake package folder (torch.utils.cmake_prefix_path) without importing
torch, which takes seconds; exits 1 saying so when this Python has no torch. Run by
wfvae_torch_cmake_prefix (scripts/lib/torch-env.sh) with the Python whose torch the
build uses."""
import importlib.util
import os
import sys

spec = importlib.util.find_spec("torch")
if spec is None or not spec.submodule_search_locations:
    sys.exit("no torch in this Python")
print(os.path.join(spec.submodule_search_locations[0], "share", "cmake"))
