#include "layout.h"

#include <cmath>

namespace wfvae::studio {

void LayoutRecorder::add(const std::string& name, const Rect& r, json::Value extra) {
  items_.push_back({name, r, std::move(extra)});
}

const Rect* LayoutRecorder::find(const std::string& name) const {
  for (const auto& i : items_)
    if (i.name == name) return &i.rect;
  return nullptr;
}

json::Value LayoutRecorder::to_json(int width, int height, float s) const {
  json::Value root = json::Object{};
  json::Value win = json::Object{};
  win["width"] = width;
  win["height"] = height;
  win["framebuffer_scale"] = static_cast<double>(s);
  root["window"] = win;
  json::Array items;
  for (const auto& i : items_) {
    json::Value v = i.extra.is_object() ? i.extra : json::Value(json::Object{});
    v["name"] = i.name;
    v["x"] = static_cast<double>(std::round(i.rect.x * s * 100) / 100);
    v["y"] = static_cast<double>(std::round(i.rect.y * s * 100) / 100);
    v["w"] = static_cast<double>(std::round(i.rect.w * s * 100) / 100);
    v["h"] = static_cast<double>(std::round(i.rect.h * s * 100) / 100);
    items.push_back(v);
  }
  root["items"] = json::Value(items);
  return root;
}

}  // namespace wfvae::studio
