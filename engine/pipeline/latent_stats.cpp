#include "pipeline/latent_stats.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.h"
#include "core/latent_norm.h"
#include "core/text.h"
#include "pipeline/eval.h"

namespace wfvae::pipeline {

namespace {

constexpr const char* kFormat = "wfvae-latent-stats";
constexpr int kVersion = 1;

json::Value form_json(const std::vector<stats::ChannelStats>& channels, const char* description) {
  json::Value v;
  v["description"] = description;
  json::Array all, mean, std, min, max, normalizer;
  for (const auto& c : channels) {
    all.push_back(c.to_json());
    mean.emplace_back(c.mean());
    std.emplace_back(c.std_unbiased());
    min.emplace_back(c.min());
    max.emplace_back(c.max());
    normalizer.emplace_back(1.0 / c.std_unbiased());
  }
  v["channels"] = json::Value(std::move(all));
  // For readers (from_json recomputes them from the channels).
  v["mean"] = json::Value(std::move(mean));
  v["std"] = json::Value(std::move(std));
  v["min"] = json::Value(std::move(min));
  v["max"] = json::Value(std::move(max));
  v["normalizer"] = json::Value(std::move(normalizer));
  return v;
}

std::vector<stats::ChannelStats> form_from_json(const json::Value& v, const stats::HistogramLayout& layout,
                                                const std::string& source) {
  const json::Value* channels = v.is_object() ? v.find("channels") : nullptr;
  if (!channels || !channels->is_array()) fail_input(source + ": a form without \"channels\"");
  std::vector<stats::ChannelStats> out;
  for (const auto& c : channels->as_array()) out.push_back(stats::ChannelStats::from_json(c, layout, source));
  return out;
}

std::vector<double> numbers(const json::Value* v, const std::string& source, const char* key) {
  const auto out = v ? json::number_array(*v) : std::nullopt;
  if (!out) fail_input(source + ": \"" + key + "\" must be an array of numbers");
  return *out;
}

const json::Value& need(const json::Value& v, const char* key, const std::string& source) {
  const json::Value* m = v.is_object() ? v.find(key) : nullptr;
  if (!m) fail_input(source + ": no \"" + key + "\" (not a wfvae latent-stats file?)");
  return *m;
}

json::Value make_settings(const LatentStatsRequest& req, const ModelConfig& config) {
  ReconRequest mode = req.base;
  mode.sample = false;  // both forms are always computed; the seed is its own key
  json::Value s;
  s["encode"] = settings_fingerprint(mode, req.model);
  s["seed"] = req.seed;
  s["latent_dim"] = config.latent_dim;
  s["config_scale"] = json::array_of(config.scale);
  s["config_shift"] = json::array_of(config.shift);
  s["histogram"] = req.layout.to_json();
  return s;
}

json::Value make_provenance(const LatentStatsRequest& req, const Vae& vae) {
  const ReconRequest& b = req.base;
  json::Value p;
  p["tool"] = "wfvae latent-stats";
  p["model"] = req.model;
  p["model_summary"] = vae.config().summary();
  if (!b.load.config.empty()) p["config"] = b.load.config.string();
  p["size"] = b.height ? std::to_string(b.height) + "x" + std::to_string(b.width)
                       : "auto (short side <= " + std::to_string(b.max_short_side) + ")";
  p["frames"] = b.frames ? json::Value(b.frames) : json::Value("all");
  p["stride"] = b.stride;
  if (b.start_frame) p["start"] = std::to_string(*b.start_frame) + "f";
  if (b.start_time_s) p["start"] = text::csv_number(*b.start_time_s) + "s";
  p["dtype"] = dtype_name(vae.dtype());
  p["device"] = device_name(vae.device());
  p["seed"] = req.seed;
  if (!req.shard.empty()) p["shard"] = req.shard;
  return p;
}

// The first key whose values differ between two settings objects, worded.
std::string settings_difference(const json::Value& a, const json::Value& b) {
  std::map<std::string, std::pair<std::string, std::string>> keys;
  for (const auto& [k, v] : a.as_object()) keys[k].first = json::dump(v);
  for (const auto& [k, v] : b.as_object()) keys[k].second = json::dump(v);
  for (const auto& [k, v] : keys)
    if (v.first != v.second)
      return k + " " + (v.first.empty() ? "(none)" : v.first) + " vs " + (v.second.empty() ? "(none)" : v.second);
  return "";
}

}  // namespace

std::vector<double> LatentStats::suggested_scale() const {
  std::vector<double> out;
  for (const auto& c : raw) out.push_back(1.0 / c.std_unbiased());
  return out;
}

std::vector<double> LatentStats::suggested_shift() const {
  std::vector<double> out;
  for (const auto& c : raw) out.push_back(c.mean());
  return out;
}

json::Value LatentStats::to_json() const {
  json::Value v;
  v["format"] = kFormat;
  v["version"] = kVersion;
  v["settings"] = settings;
  v["provenance"] = provenance;
  json::Array in;
  for (const auto& c : inputs) {
    json::Value o;
    o["file"] = c.file;
    o["frames"] = c.frames;
    o["height"] = c.height;
    o["width"] = c.width;
    in.push_back(std::move(o));
  }
  v["inputs"] = json::Value(std::move(in));
  json::Array bad;
  for (const auto& [file, why] : failed) {
    json::Value o;
    o["file"] = file;
    o["error"] = why;
    bad.push_back(std::move(o));
  }
  v["failed"] = json::Value(std::move(bad));
  v["raw"] = form_json(raw, "the posterior mode (mean) as the encoder gives it, over (batch, t, h, w)");
  if (normalized_problem.empty()) {
    v["normalized"] = form_json(normalized,
                                "a seeded posterior sample, (z - shift) * scale with the config's scale/shift, as "
                                "WF-VAE's vae_var_test.py; normalizer = 1 / std");
  } else {
    v["normalized"] = nullptr;
    v["normalized_problem"] = normalized_problem;
  }
  json::Value sug;
  sug["scale"] = json::array_of(suggested_scale());
  sug["shift"] = json::array_of(suggested_shift());
  v["suggested"] = std::move(sug);
  return v;
}

LatentStats LatentStats::from_json(const json::Value& v, const std::string& source) {
  if (!v.is_object() || !v.find("format") || !v.find("format")->is_string() || v.find("format")->as_string() != kFormat)
    fail_input(source + ": not a wfvae latent-stats file (no \"format\": \"" + kFormat + "\")");
  const json::Value& version = need(v, "version", source);
  if (!version.is_integer() || version.as_int() != kVersion)
    fail_input(source + ": latent-stats format version " + json::dump(version) + " (this wfvae reads " +
               std::to_string(kVersion) + ")");
  LatentStats s;
  s.settings = need(v, "settings", source);
  if (!s.settings.is_object()) fail_input(source + ": \"settings\" must be an object");
  s.provenance = need(v, "provenance", source);
  s.layout = stats::HistogramLayout::from_json(need(s.settings, "histogram", source), source);
  s.config_scale = numbers(s.settings.find("config_scale"), source, "config_scale");
  s.config_shift = numbers(s.settings.find("config_shift"), source, "config_shift");
  const json::Value& in = need(v, "inputs", source);
  if (!in.is_array()) fail_input(source + ": \"inputs\" must be an array");
  for (const auto& o : in.as_array()) {
    const json::Value& f = need(o, "file", source);
    if (!f.is_string()) fail_input(source + ": an input's \"file\" must be a string");
    LatentStatsInput c;
    c.file = f.as_string();
    if (const auto* x = o.find("frames"); x && x->is_integer()) c.frames = x->as_int();
    if (const auto* x = o.find("height"); x && x->is_integer()) c.height = static_cast<int>(x->as_int());
    if (const auto* x = o.find("width"); x && x->is_integer()) c.width = static_cast<int>(x->as_int());
    s.inputs.push_back(std::move(c));
  }
  if (const auto* bad = v.find("failed"); bad && bad->is_array())
    for (const auto& o : bad->as_array()) {
      const auto* f = o.find("file");
      const auto* e = o.find("error");
      if (f && f->is_string()) s.failed.emplace_back(f->as_string(), e && e->is_string() ? e->as_string() : "");
    }
  s.raw = form_from_json(need(v, "raw", source), s.layout, source);
  const json::Value& norm = need(v, "normalized", source);
  if (norm.is_null()) {
    const json::Value* why = v.find("normalized_problem");
    s.normalized_problem = why && why->is_string() ? why->as_string() : "not computed";
  } else {
    s.normalized = form_from_json(norm, s.layout, source);
  }
  return s;
}

uint64_t clip_seed(uint64_t seed, const std::string& file) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : file) h = (h ^ c) * 1099511628211ull;
  uint64_t z = seed + h + 0x9e3779b97f4a7c15ull;  // splitmix64's finaliser
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

LatentStats compute_latent_stats(const LatentStatsRequest& req) {
  Vae* vae = req.base.vae;
  if (!vae) fail_usage("compute_latent_stats: no model loaded");
  const ModelConfig& config = vae->config();
  LatentStats out;
  out.layout = req.layout;
  out.config_scale = config.scale;
  out.config_shift = config.shift;
  out.normalized_problem = config.latent_norm_problem();
  out.settings = make_settings(req, config);
  out.provenance = make_provenance(req, *vae);
  const size_t n = req.inputs.size();
  for (size_t i = 0; i < n; ++i) {
    ReconRequest r = req.base;
    r.input = req.inputs[i];
    r.encode_only = true;
    r.keep_input_tensor = false;
    r.sample = out.normalized_problem.empty();
    r.seed = clip_seed(req.seed, r.input.string());
    r.cancel = req.cancel;
    r.progress = sub_progress(req.progress, static_cast<double>(i) / n, static_cast<double>(i + 1) / n);
    LatentStatsInput clip;
    clip.file = r.input.string();
    try {
      ReconResult res = reconstruct(r);
      stats::add_channels(out.raw, res.latent_mean, out.layout);
      if (r.sample) {
        HostTensor z = std::move(res.latent_sample);
        normalize_latent(z, out.config_scale, out.config_shift);
        stats::add_channels(out.normalized, z, out.layout);
      }
      clip.frames = res.frames;
      clip.height = res.height;
      clip.width = res.width;
      out.inputs.push_back(clip);
      if (req.on_clip) req.on_clip(clip, "", res.notes);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::BadInput) throw;
      out.failed.emplace_back(clip.file, e.what());
      if (req.on_clip) req.on_clip(clip, e.what(), {});
    }
  }
  std::sort(out.inputs.begin(), out.inputs.end(),
            [](const LatentStatsInput& a, const LatentStatsInput& b) { return a.file < b.file; });
  return out;
}

LatentStats merge_latent_stats(const std::vector<LatentStats>& parts, const std::vector<std::string>& names) {
  if (parts.empty()) fail_usage("nothing to merge");
  auto name = [&](size_t i) { return i < names.size() ? names[i] : "part " + std::to_string(i + 1); };
  LatentStats out;
  out.settings = parts[0].settings;
  out.provenance = json::parse(json::dump(parts[0].provenance));  // a copy of its own: edited below
  out.layout = parts[0].layout;
  out.config_scale = parts[0].config_scale;
  out.config_shift = parts[0].config_shift;
  out.normalized_problem = parts[0].normalized_problem;
  std::map<std::string, size_t> seen;
  json::Array merged_from;
  for (size_t i = 0; i < parts.size(); ++i) {
    const LatentStats& p = parts[i];
    if (json::dump(p.settings) != json::dump(out.settings))
      fail_input(name(i) + " and " + name(0) + " were made with different settings (" +
                 settings_difference(p.settings, out.settings) + "): they cannot be merged");
    for (const auto& c : p.inputs) {
      const auto [it, fresh] = seen.emplace(c.file, i);
      if (!fresh)
        fail_input(c.file + " is in both " + name(it->second) + " and " + name(i) +
                   ": merging would count it twice (the parts overlap)");
      out.inputs.push_back(c);
    }
    for (const auto& f : p.failed) out.failed.push_back(f);
    if (p.raw.size() && out.raw.size() && p.raw.size() != out.raw.size())
      fail_input(name(i) + " has " + std::to_string(p.raw.size()) + " channels, " + name(0) + " " +
                 std::to_string(out.raw.size()));
    if (out.raw.empty()) out.raw.assign(p.raw.size(), stats::ChannelStats(out.layout));
    for (size_t c = 0; c < p.raw.size(); ++c) out.raw[c].merge(p.raw[c]);
    if (out.normalized.empty()) out.normalized.assign(p.normalized.size(), stats::ChannelStats(out.layout));
    for (size_t c = 0; c < p.normalized.size() && c < out.normalized.size(); ++c)
      out.normalized[c].merge(p.normalized[c]);
    merged_from.emplace_back(name(i));
  }
  std::sort(out.inputs.begin(), out.inputs.end(),
            [](const LatentStatsInput& a, const LatentStatsInput& b) { return a.file < b.file; });
  if (out.provenance.is_object()) {
    out.provenance.as_object().erase("shard");
    out.provenance["merged_from"] = json::Value(std::move(merged_from));
  }
  return out;
}

}  // namespace wfvae::pipeline
