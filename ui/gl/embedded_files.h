// Files compiled into the studio (the GLSL in shaders/), so it runs from any folder.
#pragma once

namespace wfvae::studio {

// The file's text (NUL-terminated), or nullptr when no file of that name was embedded.
const char* embedded_file(const char* name);

}  // namespace wfvae::studio
