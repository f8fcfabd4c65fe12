// A panel section that may have nothing to show yet (no model, no pixel under the
// cursor): its header, then either its body or a hint in the body's place.
#pragma once

#include <imgui.h>

#include "theme.h"

namespace wfvae::studio {

// Draws the header, and the hint when !ready; returns ready (draw the body).
inline bool section_or_hint(const char* title, const Fonts& fonts, bool ready, const char* hint) {
  section_header(title, fonts);
  if (!ready) ImGui::TextDisabled("%s", hint);
  return ready;
}

}  // namespace wfvae::studio
