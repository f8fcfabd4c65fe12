#include "pipeline/latent_cache.h"

#include <set>

#include "core/error.h"
#include "core/fileutil.h"
#include "core/json_fields.h"
#include "core/safetensors.h"
#include "core/text.h"
#include "pipeline/eval.h"
#include "pipeline/latent_stats.h"

namespace wfvae::pipeline {

namespace {

constexpr const char* kManifestFormat = "wfvae-latent-cache";
constexpr int kManifestVersion = 1;
constexpr const char* kSettingsKey = "cache_settings";

fs::path absolute_normal(const fs::path& p) { return fs::absolute(p).lexically_normal(); }

// The deepest folder that holds every file of `files`.
fs::path shared_folder(const std::vector<fs::path>& files) {
  fs::path common = absolute_normal(files.front()).parent_path();
  for (const auto& f : files) {
    const fs::path dir = absolute_normal(f).parent_path();
    fs::path shared;
    auto a = common.begin(), b = dir.begin();
    for (; a != common.end() && b != dir.end() && *a == *b; ++a, ++b) shared /= *a;
    common = shared;
  }
  return common;
}

// A file of the cache as found on disk: its clip, or why it cannot be reused.
struct CachedFile {
  bool exists = false;
  std::string settings;  // its kSettingsKey ("" when not ours)
  std::string problem;   // not a latents file we wrote, and why
  CacheClip clip;
};

CachedFile read_cached(const fs::path& path) {
  CachedFile c;
  std::error_code ec;
  if (!fs::exists(path, ec)) return c;
  c.exists = true;
  try {
    SafetensorsReader r(path);
    const auto& meta = r.metadata();
    auto at = [&](const char* k) {
      auto it = meta.find(k);
      return it == meta.end() ? std::string() : it->second;
    };
    const StTensorEntry* latent = r.find("latent");
    if (at("format") != "wfvae-latents" || !latent) {
      c.problem = "not a latents file of wfvae (no format \"wfvae-latents\" with a \"latent\" tensor)";
      return c;
    }
    c.settings = at(kSettingsKey);
    c.clip.source = at("cache_source");
    c.clip.shape = latent->shape;
    const json::Value input = json::parse(at("input"));
    if (input.is_object()) {
      if (const json::Value* v = input.find("frames")) c.clip.frames = static_cast<int64_t>(v->as_number());
      if (const json::Value* v = input.find("height")) c.clip.height = static_cast<int>(v->as_number());
      if (const json::Value* v = input.find("width")) c.clip.width = static_cast<int>(v->as_number());
    }
  } catch (const Error& e) {
    c.problem = e.what();
  } catch (const json::ParseError& e) {
    c.problem = "its metadata \"input\" is not JSON (" + e.message + ")";
  }
  return c;
}

// Where the settings of a file and of this run first differ, worded for the user.
std::string first_difference(const std::string& theirs, const std::string& ours) {
  const auto a = text::split(theirs, ';'), b = text::split(ours, ';');
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const std::string x = i < a.size() ? a[i] : "(none)", y = i < b.size() ? b[i] : "(none)";
    if (x != y) return x + " there, " + y + " now";
  }
  return "";
}

json::Value clip_json(const CacheClip& c) {
  json::Value j = json::Object{};
  j["file"] = c.file;
  j["source"] = c.source;
  put_video_size(j, c.frames, c.height, c.width);
  j["shape"] = json::array_of(c.shape);
  return j;
}

}  // namespace

std::vector<std::string> cache_names(const std::vector<fs::path>& all) {
  std::vector<std::string> names;
  if (all.empty()) return names;
  const fs::path root = shared_folder(all);
  std::set<std::string> seen;
  for (const auto& f : all) {
    names.push_back(absolute_normal(f).lexically_relative(root).string() + ".safetensors");
    if (!seen.insert(names.back()).second)
      fail_usage(f.string() + ": given twice (as two paths of one file): each clip is encoded once");
  }
  return names;
}

std::string cache_settings(const LatentCacheRequest& req) {
  ReconRequest b = req.base;
  b.sample = req.sample;
  b.seed = req.seed;
  return settings_fingerprint(b, req.model) + ";normalized=" + (req.layout.normalized ? "1" : "0") +
         ";posterior=" + (req.layout.posterior ? "1" : "0");
}

void check_latent_cache(const LatentCacheRequest& req) {
  if (req.out_dir.empty()) fail_usage("no cache folder given");
  std::error_code ec;
  if (fs::exists(req.out_dir, ec) && !fs::is_directory(req.out_dir, ec))
    fail_usage(req.out_dir.string() + ": exists and is not a folder (the cache is a folder of latents files)");
  fs::create_directories(req.out_dir, ec);
  if (ec) fail_input(req.out_dir.string() + ": cannot create the cache folder (" + ec.message() + ")");
  check_output_path(req.out_dir / "manifest.json", true);  // writable
  if (req.layout.normalized && !req.base.vae)
    fail_usage("check_latent_cache: no model loaded");  // the config's scale/shift are needed
  if (req.layout.normalized) {
    const std::string why = req.base.vae->config().latent_norm_problem();
    if (!why.empty()) fail_usage("--normalized needs the config's scale/shift for every latent channel: " + why);
  }
  const std::string settings = cache_settings(req);
  const std::vector<std::string> names = cache_names(req.all);
  const std::set<fs::path> mine(req.mine.begin(), req.mine.end());
  for (size_t i = 0; i < req.all.size(); ++i) {
    if (!mine.count(req.all[i])) continue;
    const fs::path path = req.out_dir / names[i];
    const CachedFile c = read_cached(path);
    if (!c.exists) continue;
    if (!c.problem.empty())
      fail_input(path.string() + ": in the cache's place for " + req.all[i].string() + " but " + c.problem +
                 "; move it away or choose another --out");
    if (c.settings != settings)
      fail_input(path.string() + " was encoded with other settings (" + first_difference(c.settings, settings) +
                 "): a cache holds one encoding; choose another --out, or delete the folder to re-encode");
  }
}

json::Value cache_manifest(const LatentCacheRequest& req) {
  const std::string settings = cache_settings(req);
  const std::vector<std::string> names = cache_names(req.all);
  json::Array clips, missing;
  for (size_t i = 0; i < req.all.size(); ++i) {
    CachedFile c = read_cached(req.out_dir / names[i]);
    if (!c.exists || !c.problem.empty() || c.settings != settings) {
      missing.emplace_back(req.all[i].string());
      continue;
    }
    c.clip.file = names[i];
    if (c.clip.source.empty()) c.clip.source = req.all[i].string();
    clips.push_back(clip_json(c.clip));
  }
  json::Value m = json::Object{};
  m["format"] = kManifestFormat;
  m["version"] = kManifestVersion;
  m["settings"] = settings;
  m["model"] = req.model;
  m["latent"] = req.sample ? "sample" : "mode";
  if (req.sample) m["seed"] = req.seed;
  m["normalized"] = req.layout.normalized;
  m["posterior"] = req.layout.posterior;
  m["complete"] = missing.empty();
  m["clips"] = json::Value(std::move(clips));
  m["missing"] = json::Value(std::move(missing));
  return m;
}

LatentCacheOutcome run_latent_cache(const LatentCacheRequest& req) {
  if (!req.base.vae) fail_usage("run_latent_cache: no model loaded");
  check_latent_cache(req);
  const std::string settings = cache_settings(req);
  const std::vector<std::string> names = cache_names(req.all);
  std::vector<std::string> name_of_mine;
  for (const auto& f : req.mine) {
    const auto it = std::find(req.all.begin(), req.all.end(), f);
    if (it == req.all.end()) fail_usage(f.string() + ": an input of this run is not among all the inputs");
    name_of_mine.push_back(names[static_cast<size_t>(it - req.all.begin())]);
  }
  LatentCacheOutcome out;
  auto write_manifest = [&] {
    const json::Value m = cache_manifest(req);
    out.manifest = req.out_dir / "manifest.json";
    write_file_atomic(out.manifest, json::dump(m, 2) + "\n", true);
    out.listed = static_cast<int>(m.find("clips")->as_array().size());
    out.missing = static_cast<int>(m.find("missing")->as_array().size());
  };
  const size_t n = req.mine.size();
  try {
    for (size_t i = 0; i < n; ++i) {
      if (req.cancel) req.cancel->check();
      const fs::path path = req.out_dir / name_of_mine[i];
      CacheClip clip;
      clip.source = req.mine[i].string();
      clip.file = name_of_mine[i];
      const CachedFile done = read_cached(path);
      if (done.exists && done.settings == settings) {
        clip = done.clip;
        clip.source = req.mine[i].string();
        clip.file = name_of_mine[i];
        clip.status = CacheStatus::Skipped;
        ++out.skipped;
        if (req.on_clip) req.on_clip(clip);
        continue;
      }
      ReconRequest r = req.base;
      r.input = req.mine[i];
      r.encode_only = true;
      r.keep_input_tensor = false;
      r.sample = req.sample;
      r.seed = clip_seed(req.seed, name_of_mine[i]);
      r.cancel = req.cancel;
      r.progress = sub_progress(req.progress, static_cast<double>(i) / n, static_cast<double>(i + 1) / n);
      try {
        ReconResult res = reconstruct(r);
        std::error_code ec;
        fs::create_directories(path.parent_path(), ec);
        if (ec) fail_input(path.parent_path().string() + ": cannot create (" + ec.message() + ")");
        write_file_atomic(
            path, serialize_latents(res, req.layout, {{kSettingsKey, settings}, {"cache_source", clip.source}}), false);
        clip.frames = res.frames;
        clip.height = res.height;
        clip.width = res.width;
        clip.shape = res.sample ? res.latent_sample.shape : res.latent_mean.shape;
        clip.notes = res.notes;
        ++out.encoded;
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::BadInput) throw;
        clip.status = CacheStatus::Failed;
        clip.error = e.what();
        ++out.failed;
      }
      if (req.on_clip) req.on_clip(clip);
    }
  } catch (...) {
    write_manifest();  // what is done stays listed, and a rerun goes on from there
    throw;
  }
  write_manifest();
  return out;
}

}  // namespace wfvae::pipeline
