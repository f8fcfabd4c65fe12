# `cmake --install` and the .deb: WFVAE Studio installed like a desktop app.
#
#   <prefix>/bin/wfvae, <prefix>/bin/wfvae-studio
#   <prefix>/share/wfvae-studio/assets/{models,samples}   found relative to the binaries
#   <prefix>/share/applications/wfvae-studio.desktop      Exec=wfvae-studio %f, video MIME types
#   <prefix>/share/icons/hicolor/scalable/apps/wfvae-studio.svg
#
# The shaders are compiled into wfvae-studio (ui/gl/embed_files.cmake) and the font is
# the system's DejaVu Sans (fonts-dejavu-core), so nothing else is read at run time.
#
# LibTorch is not installed: PyPI's wheel with its CUDA libraries is ~4.6 GB. The
# installed binaries keep an RPATH to the LibTorch they were built against (the venv
# that scripts/setup makes, ~/.cache/wfvae-studio/torch-<version>), so they run
# wherever that venv exists at the same path; -DWFVAE_INSTALL_RPATH=DIR[;DIR] points
# them elsewhere, and, the entry being a RUNPATH, LD_LIBRARY_PATH overrides it.

set(_wfvae_rpath "${WFVAE_TORCH_LIB_DIR}")
# The executables name libcudart themselves (runtime/cuda_device.cpp): NVIDIA's runtime
# wheel beside torch's (the one libtorch_cuda.so loads), not the build machine's toolkit.
foreach(_cuda cu13 cuda_runtime)
  get_filename_component(_dir "${WFVAE_TORCH_ROOT}/../nvidia/${_cuda}/lib" ABSOLUTE)
  file(GLOB _cudart "${_dir}/libcudart.so.*")
  if(WFVAE_TORCH_HAS_CUDA AND _cudart)
    list(APPEND _wfvae_rpath "${_dir}")
    break()
  endif()
endforeach()
set(WFVAE_INSTALL_RPATH "" CACHE STRING
    "RPATH of the installed binaries, where they find LibTorch (empty: the LibTorch this build links)")
if(WFVAE_INSTALL_RPATH)
  set(_wfvae_rpath "${WFVAE_INSTALL_RPATH}")
endif()
string(REPLACE ";" ":" WFVAE_INSTALL_RPATH_TEXT "${_wfvae_rpath}")
message(STATUS "WFVAE: installed binaries find LibTorch at ${WFVAE_INSTALL_RPATH_TEXT}")

set(_wfvae_programs wfvae)
if(WFVAE_WITH_STUDIO)
  list(APPEND _wfvae_programs wfvae-studio)
endif()
set_target_properties(${_wfvae_programs} PROPERTIES INSTALL_RPATH "${_wfvae_rpath}")
install(TARGETS ${_wfvae_programs} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/assets/models ${PROJECT_SOURCE_DIR}/assets/samples
        DESTINATION ${WFVAE_INSTALL_ASSETS_DIR})
if(WFVAE_WITH_STUDIO)
  install(FILES ${PROJECT_SOURCE_DIR}/assets/desktop/wfvae-studio.desktop
          DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/assets/desktop/wfvae-studio.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
endif()

# ---- CPack: `cpack -G DEB` in the build folder writes wfvae-studio_<version>_<arch>.deb.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wfvae-studio)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "WFVAE Studio")
set(CPACK_PACKAGE_CONTACT "WFVAE Studio developers <wfvae-studio@invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "WF-VAE video VAE: desktop studio (wfvae-studio) and command line (wfvae)")
# The extended description, in lines of at most 80 columns as Debian wants them.
set(CPACK_PACKAGE_DESCRIPTION [=[
Reconstruct videos through WF-VAE (wavelet-driven energy-flow video VAE)
and compare them: PSNR/SSIM along the timeline, wavelet subbands, the norm
lab, exports. `wfvae` does the same from the command line (recon, eval,
train, parity, bench). Bundled models and a sample clip.

LibTorch is NOT in this package, nor in Debian. The binaries load it
(RUNPATH) from PyPI's torch @Torch_VERSION@ in the venv that WFVAE Studio's
scripts/setup makes:
  @WFVAE_INSTALL_RPATH_LINES@
Make that venv at the same path on this machine (scripts/setup, as the
same user), or run with LD_LIBRARY_PATH set to another torch/lib.]=])
string(REPLACE ":" "\n  " WFVAE_INSTALL_RPATH_LINES "${WFVAE_INSTALL_RPATH_TEXT}")
string(CONFIGURE "${CPACK_PACKAGE_DESCRIPTION}" CPACK_PACKAGE_DESCRIPTION @ONLY)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Debian's libraries, by hand: CPack's CPACK_DEBIAN_PACKAGE_SHLIBDEPS cannot work them
# out, as dpkg-shlibdeps stops at LibTorch's and CUDA's libraries, which belong to no
# package. The versions are what `dpkg-shlibdeps --ignore-missing-info` finds on Debian 12.
set(_wfvae_depends "libc6 (>= 2.35), libstdc++6 (>= 12), libgcc-s1 (>= 3.0)")
if(WFVAE_WITH_MEDIA)
  string(APPEND _wfvae_depends
         ", libavformat59 (>= 7:5.0), libavcodec59 (>= 7:5.0), libavutil57 (>= 7:5.0), libswscale6 (>= 7:5.0)")
endif()
if(WFVAE_WITH_STUDIO)
  string(APPEND _wfvae_depends ", libglfw3 (>= 3.3) | libglfw3-wayland (>= 3.3), libopengl0, libstb0")
  # The studio's font, and Mesa's OpenGL for machines without a GPU driver.
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "fonts-dejavu-core, libgl1-mesa-dri")
  set(CPACK_DEBIAN_PACKAGE_SUGGESTS "xvfb, xauth")
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${_wfvae_depends}")
include(CPack)
