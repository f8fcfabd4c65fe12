// F1: the keyboard shortcuts and a short guide to the views.
#pragma once

namespace wfvae::studio {

class PanelContext;

class HelpWindow {
 public:
  void draw(PanelContext& s, bool* open);
};

struct Shortcut {
  const char* keys;
  const char* action;
};
// Every shortcut the studio handles (Studio::handle_shortcuts, studio_window.cpp), in
// the order the help lists them.
extern const Shortcut kShortcuts[];
extern const int kShortcutCount;

}  // namespace wfvae::studio
