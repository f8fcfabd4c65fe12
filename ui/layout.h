// Rectangles of what the studio drew in the last frame, by name ("viewer",
// "image/split", "subband/original/LLL", ...), for --dump-layout: tests check the
// pixels inside them, and the panels use Rect for their own geometry.
#pragma once

#include <string>
#include <vector>

#include <imgui.h>

#include "core/json.h"

namespace wfvae::studio {

struct Rect {
  float x = 0, y = 0, w = 0, h = 0;
  ImVec2 min() const { return ImVec2(x, y); }
  ImVec2 max() const { return ImVec2(x + w, y + h); }
  bool contains(ImVec2 p) const { return p.x >= x && p.y >= y && p.x < x + w && p.y < y + h; }
  static Rect from(ImVec2 a, ImVec2 b) { return {a.x, a.y, b.x - a.x, b.y - a.y}; }
};

class LayoutRecorder {
 public:
  void clear() { items_.clear(); }
  // extra: anything else a test needs (a band name, a value range, a divider x).
  void add(const std::string& name, const Rect& r, json::Value extra = json::Value());
  void add(const std::string& name, ImVec2 min, ImVec2 max, json::Value extra = json::Value()) {
    add(name, Rect::from(min, max), std::move(extra));
  }
  const Rect* find(const std::string& name) const;
  // {"window": {...}, "items": [{"name", "x", "y", "w", "h", ...}]}, in framebuffer pixels.
  json::Value to_json(int width, int height, float framebuffer_scale) const;

 private:
  struct Item {
    std::string name;
    Rect rect;
    json::Value extra;
  };
  std::vector<Item> items_;
};

}  // namespace wfvae::studio
