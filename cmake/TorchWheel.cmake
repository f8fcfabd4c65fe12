# LibTorch straight from PyPI's torch wheel, without torch's CMake package: for
# machines with no CUDA toolkit (no nvcc), where that package refuses to configure
# (its CUDA half wants nvcc even though nothing here compiles CUDA kernels). The wheel
# itself carries what the build needs: LibTorch's headers and libraries, and, in
# NVIDIA's wheels beside it, the CUDA runtime's headers and libcudart. So the CUDA
# half (runtime/cuda_device.cpp) still compiles and links.
#
# In:  WFVAE_TORCH_ROOT  the wheel's torch/ folder (site-packages/torch)
# Out: TORCH_LIBRARIES (an imported interface target), Torch_VERSION, TORCH_LIBRARY,
#      Torch_DIR, WFVAE_TORCH_HAS_CUDA, and the target wfvae_cudart when CUDA is there.

set(_root "${WFVAE_TORCH_ROOT}")
if(NOT EXISTS "${_root}/lib/libtorch.so" OR NOT EXISTS "${_root}/include/torch/headeronly/version.h")
  message(FATAL_ERROR "WFVAE_TORCH_ROOT=${_root} is not a torch wheel's folder (no lib/libtorch.so)")
endif()
file(STRINGS "${_root}/include/torch/headeronly/version.h" _v REGEX "#define TORCH_VERSION_(MAJOR|MINOR|PATCH) ")
string(REGEX REPLACE ".*MAJOR ([0-9]+).*MINOR ([0-9]+).*PATCH ([0-9]+).*" "\\1.\\2.\\3" Torch_VERSION "${_v}")
set(TORCH_LIBRARY "${_root}/lib/libtorch.so" CACHE FILEPATH "LibTorch (imported from the wheel)" FORCE)
set(Torch_DIR "${_root}/share/cmake/Torch")

add_library(wfvae_libtorch INTERFACE IMPORTED)
target_include_directories(wfvae_libtorch SYSTEM INTERFACE "${_root}/include" "${_root}/include/torch/csrc/api/include")
set(_libs "${_root}/lib/libtorch.so" "${_root}/lib/libtorch_cpu.so" "${_root}/lib/libc10.so")
set(WFVAE_TORCH_HAS_CUDA OFF)
# NVIDIA's runtime wheel: nvidia/cu13 (CUDA 13 wheels) or nvidia/cuda_runtime (CUDA 12).
foreach(_cuda "${_root}/../nvidia/cu13" "${_root}/../nvidia/cuda_runtime")
  get_filename_component(_cuda "${_cuda}" ABSOLUTE)
  file(GLOB _cudart "${_cuda}/lib/libcudart.so.*")
  if(EXISTS "${_root}/lib/libtorch_cuda.so" AND EXISTS "${_cuda}/include/cuda_runtime_api.h" AND _cudart)
    list(GET _cudart 0 _cudart)
    add_library(wfvae_cudart INTERFACE IMPORTED)
    target_include_directories(wfvae_cudart SYSTEM INTERFACE "${_cuda}/include")
    target_link_libraries(wfvae_cudart INTERFACE "${_cudart}")
    # --no-as-needed: nothing of ours calls into libtorch_cuda, but loading it is what
    # registers LibTorch's CUDA backend.
    list(APPEND _libs "-Wl,--no-as-needed,${_root}/lib/libtorch_cuda.so,--as-needed" "${_root}/lib/libc10_cuda.so" wfvae_cudart)
    set(WFVAE_TORCH_HAS_CUDA ON)
    break()
  endif()
endforeach()
target_link_libraries(wfvae_libtorch INTERFACE ${_libs})
set(TORCH_LIBRARIES wfvae_libtorch)
set(TORCH_CXX_FLAGS "")  # the wheel uses the C++11 ABI, the compiler's default
message(STATUS "WFVAE: LibTorch ${Torch_VERSION} imported from the wheel at ${_root} (no CUDA toolkit: torch's CMake package skipped)")
