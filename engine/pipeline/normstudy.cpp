#include "pipeline/normstudy.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <sstream>

#include "core/assets.h"
#include "core/error.h"
#include "core/fileutil.h"
#include "core/norm_setting.h"
#include "core/text.h"
#include "runtime/bench.h"

namespace wfvae::pipeline {

namespace {

constexpr const char* kRowFormat = "wfvae-normstudy-row";
const double kNaN = std::numeric_limits<double>::quiet_NaN();

json::Value number_or_null(double v) { return std::isfinite(v) ? json::Value(v) : json::Value(nullptr); }

double number_of(const json::Value& o, const char* key) {
  const json::Value* v = o.find(key);
  return v && v->is_number() ? v->as_number() : kNaN;
}

std::vector<double> numbers_of(const json::Value& o, const char* key, const std::string& source) {
  const json::Value* v = o.find(key);
  if (!v) return {};
  const auto out = json::number_array(*v);
  if (!out) fail_input(source + ": \"" + key + "\" must be an array of numbers");
  return *out;
}

// The model a spec names: a path that exists, else a bundled model's name.
std::string resolve_study_model(const std::string& m) {
  std::error_code ec;
  if (fs::exists(m, ec)) return fs::absolute(m, ec).lexically_normal().string();
  const fs::path bundled = assets_dir() / "models" / m;
  if (fs::exists(bundled / "config.json", ec)) return bundled.string();
  fail_input(m + ": no such model (a model folder, .safetensors or .ckpt, or a bundled model: " + [] {
    std::string names;
    for (const auto& s : bundled_study_specs()) names += (names.empty() ? "" : ", ") + s;
    return names;
  }() + ")");
}

// What a row was made with: the setting and the settings every clip shares.
std::string row_fingerprint(const StudySetting& s, const ReconRequest& base) {
  ReconRequest b = base;
  b.norm_type = s.norm_type;
  b.num_groups = s.norm_type == "groupnorm" ? s.num_groups : 0;
  return settings_fingerprint(b, s.model);
}

// The rows of a part file, in order.
std::vector<StudyRow> read_part(const fs::path& path) {
  std::vector<StudyRow> rows;
  std::istringstream in(read_text_file(path));
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    json::Value v;
    try {
      v = json::parse(line);
    } catch (const json::ParseError& e) {
      fail_input(path.string() + ": line " + std::to_string(n) + ": not valid JSON (" + e.message + ")");
    }
    rows.push_back(StudyRow::from_json(v, path.string() + ": line " + std::to_string(n)));
  }
  return rows;
}

void write_part(const fs::path& path, const std::vector<StudyRow>& rows) {
  std::string text;
  for (const auto& r : rows) text += json::dump(r.to_json()) + "\n";
  write_file_atomic(path, text, /*overwrite=*/true);
}

}  // namespace

std::string StudySetting::key() const {
  return name + ":" + (norm_type == "groupnorm" ? "groupnorm:" + std::to_string(num_groups) : norm_type);
}

std::string StudySetting::label() const {
  return name + " \xC2\xB7 " + NormSetting{norm_type, num_groups}.label() + (trained ? "" : " \xC2\xB7 override");
}

std::vector<std::string> bundled_study_specs() {
  std::vector<std::string> out;
  std::error_code ec;
  const fs::path dir = assets_dir() / "models";
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory() && fs::exists(e.path() / "config.json") && e.path().filename().string()[0] != '.')
      out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

StudySetting parse_study_setting(const std::string& spec, const LoadOptions& load) {
  StudySetting s;
  s.spec = spec;
  // MODEL[:layernorm|:groupnorm[:N]]: the norm part is the suffix after the last
  // ":layernorm" / ":groupnorm" (a path may hold colons of its own).
  std::string model = spec, norm;
  int groups = 0;
  for (const char* word : {":layernorm", ":groupnorm"}) {
    const size_t at = spec.rfind(word);
    if (at == std::string::npos) continue;
    const std::string rest = spec.substr(at + std::string(word).size());
    if (rest.empty() || (word[1] == 'g' && rest[0] == ':')) {
      model = spec.substr(0, at);
      norm = word + 1;
      if (!rest.empty()) {
        char* end = nullptr;
        const long g = std::strtol(rest.c_str() + 1, &end, 10);
        if (rest.size() < 2 || *end || g < 1)
          fail_usage(spec + ": expected MODEL:groupnorm:N with N >= 1 (the group count)");
        groups = static_cast<int>(g);
      }
      break;
    }
  }
  if (model.empty()) fail_usage(spec + ": no model before the norm (MODEL:layernorm, MODEL:groupnorm:16)");
  s.model = resolve_study_model(model);
  s.name = fs::path(s.model).filename().string();
  if (s.name.empty()) s.name = fs::path(s.model).parent_path().filename().string();
  const ModelFiles files = resolve_model_files(s.model, load.config);
  const ModelConfig c = ModelConfig::load(files.config);
  s.norm_type = norm.empty() ? c.norm_type : norm;
  s.num_groups = norm.empty() ? c.norm_num_groups : (norm == "groupnorm" ? (groups ? groups : c.norm_num_groups) : 0);
  if (s.norm_type == "groupnorm" && !norm.empty()) {
    const std::string problem = num_groups_problem(c, s.num_groups);
    if (!problem.empty()) fail_usage(spec + ": " + s.name + ": " + problem);
  }
  s.trained = NormSetting{s.norm_type, s.num_groups}.same_as(NormSetting::of(c));
  if (s.norm_type != "groupnorm") s.num_groups = 0;
  return s;
}

double motion_score(const std::vector<media::RgbFrame>& frames) {
  if (frames.size() < 2) return kNaN;
  double sum = 0;
  int64_t n = 0;
  for (size_t t = 1; t < frames.size(); ++t) {
    const auto& a = frames[t - 1].rgb;
    const auto& b = frames[t].rgb;
    const size_t m = std::min(a.size(), b.size());
    int64_t s = 0;
    for (size_t i = 0; i < m; ++i) s += std::abs(static_cast<int>(a[i]) - static_cast<int>(b[i]));
    sum += static_cast<double>(s);
    n += static_cast<int64_t>(m);
  }
  return n ? sum / static_cast<double>(n) : kNaN;
}

json::Value StudyRow::to_json() const {
  json::Value j = json::Object{};
  j["format"] = kRowFormat;
  j["setting"] = setting;
  j["clip"] = clip;
  j["status"] = status;
  if (!error.empty()) j["error"] = error;
  j["frames"] = frames;
  j["height"] = height;
  j["width"] = width;
  j["motion"] = number_or_null(motion);
  j["psnr"] = number_or_null(psnr);
  j["ssim"] = number_or_null(ssim);
  j["lpips"] = number_or_null(lpips);
  j["encode_ms"] = encode_ms;
  j["decode_ms"] = decode_ms;
  j["peak_bytes"] = peak_bytes;
  if (!i3d_real.empty()) {
    j["i3d_real"] = json::array_of(i3d_real);
    j["i3d_fake"] = json::array_of(i3d_fake);
  }
  j["fingerprint"] = fingerprint;
  return j;
}

StudyRow StudyRow::from_json(const json::Value& v, const std::string& source) {
  const json::Value* format = v.is_object() ? v.find("format") : nullptr;
  if (!format || !format->is_string() || format->as_string() != kRowFormat)
    fail_input(source + ": not a normstudy row (no \"format\": \"" + kRowFormat + "\")");
  auto text = [&](const char* key) {
    const json::Value* x = v.find(key);
    if (!x || !x->is_string()) fail_input(source + ": \"" + key + "\" must be a string");
    return x->as_string();
  };
  StudyRow r;
  r.setting = text("setting");
  r.clip = text("clip");
  r.status = text("status");
  if (r.status != "ok" && r.status != "error") fail_input(source + ": status \"" + r.status + "\" (ok or error)");
  if (const json::Value* e = v.find("error"); e && e->is_string()) r.error = e->as_string();
  r.fingerprint = text("fingerprint");
  r.frames = static_cast<int64_t>(number_of(v, "frames"));
  r.height = static_cast<int>(number_of(v, "height"));
  r.width = static_cast<int>(number_of(v, "width"));
  r.motion = number_of(v, "motion");
  r.psnr = number_of(v, "psnr");
  r.ssim = number_of(v, "ssim");
  r.lpips = number_of(v, "lpips");
  r.encode_ms = number_of(v, "encode_ms");
  r.decode_ms = number_of(v, "decode_ms");
  r.peak_bytes = static_cast<int64_t>(number_of(v, "peak_bytes"));
  r.i3d_real = numbers_of(v, "i3d_real", source);
  r.i3d_fake = numbers_of(v, "i3d_fake", source);
  if (r.i3d_real.size() != r.i3d_fake.size()) fail_input(source + ": i3d_real and i3d_fake differ in length");
  return r;
}

fs::path study_part_path(const fs::path& dir, Shard s) {
  return dir / ("part-" + std::to_string(s.index) + "-of-" + std::to_string(s.count) + ".jsonl");
}

std::vector<StudyRow> read_study_rows(const fs::path& dir) {
  std::vector<fs::path> parts;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("part-", 0) == 0 && text::lower_extension(n) == ".jsonl") parts.push_back(e.path());
  }
  if (ec) fail_input(dir.string() + ": cannot list (" + ec.message() + ")");
  std::sort(parts.begin(), parts.end());
  std::vector<StudyRow> rows;
  for (const auto& p : parts)
    for (auto& r : read_part(p)) rows.push_back(std::move(r));
  return rows;
}

StudyOutcome run_study(const StudyRequest& req) {
  if (req.settings.empty()) fail_usage("no settings to study");
  std::error_code ec;
  fs::create_directories(req.out_dir, ec);
  if (ec) fail_input(req.out_dir.string() + ": cannot create the study folder (" + ec.message() + ")");
  StudyOutcome out;
  out.part = study_part_path(req.out_dir, req.shard);
  std::vector<StudyRow> rows = fs::exists(out.part) ? read_part(out.part) : std::vector<StudyRow>{};
  check_output_path(out.part, true);  // writable

  std::map<std::string, std::unique_ptr<Vae>> models;  // loaded once each
  auto model_for = [&](const StudySetting& s) -> Vae& {
    auto& v = models[s.model];
    if (!v) v = Vae::load(s.model, req.base.device, req.base.dtype, req.base.load);
    return *v;
  };
  const size_t total = req.inputs.size() * req.settings.size();
  size_t k = 0;
  // The process's first run pays one-time costs (thread pools, allocator growth, kernel
  // selection) that no later setting would: it is run once unmeasured first.
  bool warmed = false;
  for (const auto& clip : req.inputs) {
    for (const auto& setting : req.settings) {
      const double f0 = static_cast<double>(k) / total, f1 = static_cast<double>(k + 1) / total;
      ++k;
      if (req.cancel) req.cancel->check();
      const std::string fp = row_fingerprint(setting, req.base);
      auto done = std::find_if(rows.begin(), rows.end(), [&](const StudyRow& r) {
        return r.setting == setting.key() && r.clip == clip.string() && r.fingerprint == fp && r.status == "ok";
      });
      if (done != rows.end()) {
        ++out.skipped;
        if (req.on_row) req.on_row(*done, true);
        continue;
      }
      StudyRow row;
      row.setting = setting.key();
      row.clip = clip.string();
      row.fingerprint = fp;
      row.lpips = kNaN;
      ReconRequest r = req.base;
      r.input = clip;
      r.vae = &model_for(setting);
      r.norm_type = setting.norm_type;
      r.num_groups = setting.norm_type == "groupnorm" ? setting.num_groups : 0;
      r.keep_input_tensor = false;
      r.cancel = req.cancel;
      r.progress = sub_progress(req.progress, f0, f1);
      try {
        if (!warmed) {
          ReconRequest warm = r;
          warm.progress = {};
          reconstruct(warm);
          warmed = true;
        }
        // Peak memory of this run alone, over what the process held before it.
        const PeakMeter meter{r.vae->device() == Device::CUDA};
        meter.reset();
        const int64_t baseline = meter.current();
        const ReconResult res = reconstruct(r);
        row.peak_bytes = std::max<int64_t>(0, meter.peak() - baseline);
        row.frames = res.frames;
        row.height = res.height;
        row.width = res.width;
        row.motion = motion_score(res.input_frames);
        row.psnr = res.metrics.psnr_mean;
        row.ssim = res.metrics.ssim_mean;
        if (!res.lpips.empty()) row.lpips = res.lpips_mean;
        row.encode_ms = res.timings.encode_ms;
        row.decode_ms = res.timings.decode_ms;
        row.i3d_real = res.i3d_real;
        row.i3d_fake = res.i3d_fake;
        ++out.done;
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::BadInput) throw;
        row.status = "error";
        row.error = e.what();
        row.motion = row.psnr = row.ssim = kNaN;
        ++out.failed;
      }
      // The row replaces an older one of the same setting and clip (other settings, an error).
      rows.erase(std::remove_if(rows.begin(), rows.end(),
                                [&](const StudyRow& x) { return x.setting == row.setting && x.clip == row.clip; }),
                 rows.end());
      rows.push_back(row);
      write_part(out.part, rows);
      if (req.on_row) req.on_row(row, false);
    }
  }
  return out;
}

}  // namespace wfvae::pipeline
