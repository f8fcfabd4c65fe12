#include "pipeline/eval.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <set>
#include <sstream>

#include "core/csv.h"
#include "core/error.h"
#include "core/fileutil.h"
#include "core/json.h"
#include "core/safetensors.h"
#include "core/text.h"

namespace wfvae::pipeline {

const std::vector<std::string>& media_extensions() {
  static const std::vector<std::string> exts = {".mp4", ".mkv", ".avi", ".mov",  ".webm", ".mpg",  ".mpeg", ".m4v",
                                                ".ogv", ".flv", ".wmv", ".3gp",  ".ts",   ".mts",  ".m2ts", ".y4m",
                                                ".gif", ".png", ".jpg", ".jpeg", ".bmp",  ".webp", ".tif",  ".tiff"};
  return exts;
}

namespace {

bool has_media_extension(const fs::path& p) {
  const auto& e = media_extensions();
  return std::find(e.begin(), e.end(), text::lower_extension(p)) != e.end();
}

bool hidden(const fs::path& p) {
  const std::string n = p.filename().string();
  return !n.empty() && n[0] == '.';
}

void add_folder(const fs::path& dir, std::vector<fs::path>* out) {
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) fail_input(dir.string() + ": cannot list the folder (" + ec.message() + ")");
  for (; it != end; it.increment(ec)) {
    if (ec) fail_input(dir.string() + ": cannot list the folder (" + ec.message() + ")");
    if (hidden(it->path())) {
      // Hidden files and folders: dot-files, and our own .partial temporaries.
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && has_media_extension(it->path())) out->push_back(it->path().lexically_normal());
  }
}

void add_arg(const fs::path& p, std::vector<fs::path>* out, int depth) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    add_folder(p, out);
  } else if (text::lower_extension(p) == ".txt" && fs::is_regular_file(p, ec)) {
    if (depth > 8) fail_input(p.string() + ": lists nest too deeply (a list that includes itself?)");
    std::istringstream in(read_text_file(p));
    const fs::path base = p.parent_path();
    std::string line;
    while (std::getline(in, line)) {
      while (!line.empty() && (line.back() == '\r' || std::isspace(static_cast<unsigned char>(line.back()))))
        line.pop_back();
      size_t b = 0;
      while (b < line.size() && std::isspace(static_cast<unsigned char>(line[b]))) ++b;
      line = line.substr(b);
      if (line.empty() || line[0] == '#') continue;
      fs::path entry(line);
      add_arg(entry.is_absolute() ? entry : (base / entry).lexically_normal(), out, depth + 1);
    }
  } else {
    out->push_back(p.lexically_normal());  // a file (or a missing one: it becomes an error row)
  }
}

std::string num(double v) { return text::csv_number(v); }
std::string ms(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

double parse_num(const std::string& s, const std::string& source, const std::string& column) {
  if (s.empty()) return std::nan("");
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (*end != '\0') fail_input(source + ": column " + column + " holds \"" + s + "\", not a number");
  return v;
}

}  // namespace

std::vector<fs::path> expand_inputs(const std::vector<std::string>& args) {
  if (args.empty()) fail_usage("no inputs given");
  std::vector<fs::path> out;
  for (const auto& a : args) add_arg(fs::path(a), &out, 0);
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) { return a.string() < b.string(); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.empty()) {
    std::string all;
    for (const auto& a : args) all += (all.empty() ? "" : ", ") + a;
    fail_input("no video or image files found in " + all);
  }
  return out;
}

Shard parse_shard(const std::string& text) {
  int i = -1, n = 0;
  char slash = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%d%c%d%c", &i, &slash, &n, &extra) != 3 || slash != '/' || n < 1 || i < 0 || i >= n)
    fail_usage("--shard expects i/n with 0 <= i < n (e.g. 0/4 ... 3/4), got \"" + text + "\"");
  return {i, n};
}

std::vector<fs::path> shard_inputs(const std::vector<fs::path>& sorted, Shard s) {
  std::vector<fs::path> out;
  for (size_t k = 0; k < sorted.size(); ++k)
    if (static_cast<int>(k % static_cast<size_t>(s.count)) == s.index) out.push_back(sorted[k]);
  return out;
}

ShardedInputs sharded_inputs(const std::vector<std::string>& args, const std::optional<std::string>& shard) {
  ShardedInputs in;
  if (shard) in.shard = parse_shard(*shard);
  in.all = expand_inputs(args);
  in.mine = shard_inputs(in.all, in.shard);
  return in;
}

std::string ShardedInputs::described() const {
  if (shard.count <= 1) return "";
  return " (shard " + std::to_string(shard.index) + "/" + std::to_string(shard.count) + " of " +
         std::to_string(all.size()) + ")";
}

const std::vector<std::string>& EvalTable::columns() {
  static const std::vector<std::string> c = {"file",      "frames",    "height",     "width",  "psnr",   "ssim",
                                             "psnr_r",    "psnr_g",    "psnr_b",     "enc_ms", "dec_ms", "read_ms",
                                             "psnr_8bit", "ssim_8bit", "blockiness", "fps",    "status", "error",
                                             "settings",  "lpips",     "fvd"};
  return c;
}

namespace {

// Tables written before the blockiness or the lpips and fvd columns existed still
// resume (the missing columns read NaN): the header is ours when it is columns()
// without some of those.
bool known_header(const std::vector<std::string>& header) {
  std::vector<std::string> expected;
  for (const auto& c : EvalTable::columns()) {
    const bool optional = c == "blockiness" || c == "lpips" || c == "fvd";
    if (!optional || std::find(header.begin(), header.end(), c) != header.end()) expected.push_back(c);
  }
  return header == expected;
}

}  // namespace

EvalTable EvalTable::load(const fs::path& path) {
  const std::string src = path.string();
  auto records = parse_csv(read_text_file(path), src);
  EvalTable t;
  if (records.empty()) return t;  // an empty file: start fresh
  const std::vector<std::string>& header = records[0];
  if (!known_header(header))
    fail_input(src + ": not a wfvae eval table (its header differs); choose another --out or remove the file");
  auto column = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? std::string::npos : static_cast<size_t>(it - header.begin());
  };
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& f = records[r];
    if (f.size() != header.size())
      fail_input(src + ": line " + std::to_string(r + 1) + " has " + std::to_string(f.size()) + " fields, expected " +
                 std::to_string(header.size()) + " (damaged table?)");
    if (f[0] == "ALL") continue;
    auto number = [&](const std::string& name) {
      const size_t i = column(name);
      return i == std::string::npos ? std::nan("") : parse_num(f[i], src, name);
    };
    auto count = [&](const std::string& name) {
      const double v = number(name);
      return std::isnan(v) ? int64_t{0} : static_cast<int64_t>(std::llround(v));
    };
    EvalRow row;
    row.file = f[column("file")];
    row.frames = count("frames");
    row.height = static_cast<int>(count("height"));
    row.width = static_cast<int>(count("width"));
    row.psnr = number("psnr");
    row.ssim = number("ssim");
    row.psnr_rgb[0] = number("psnr_r");
    row.psnr_rgb[1] = number("psnr_g");
    row.psnr_rgb[2] = number("psnr_b");
    row.encode_ms = number("enc_ms");
    row.decode_ms = number("dec_ms");
    row.read_ms = number("read_ms");
    row.psnr_8bit = number("psnr_8bit");
    row.ssim_8bit = number("ssim_8bit");
    row.blockiness = number("blockiness");
    row.lpips = number("lpips");
    row.fvd = std::nan("");
    row.fps = number("fps");
    row.status = f[column("status")];
    row.error = f[column("error")];
    row.settings = f[column("settings")];
    if (row.status != "ok" && row.status != "error")
      fail_input(src + ": line " + std::to_string(r + 1) + " has status \"" + row.status + "\" (expected ok or error)");
    t.rows.push_back(std::move(row));
  }
  return t;
}

const EvalRow* EvalTable::find(const std::string& file) const {
  for (const auto& r : rows)
    if (r.file == file) return &r;
  return nullptr;
}

void EvalTable::upsert(EvalRow row) {
  // Keep exactly what the CSV will hold, so the ALL row computed now equals the one
  // recomputed from the file when the table is resumed.
  auto as_written = [](double v) { return std::isfinite(v) ? std::strtod(num(v).c_str(), nullptr) : v; };
  auto ms_written = [](double v) { return std::strtod(ms(v).c_str(), nullptr); };
  for (double* v : {&row.psnr, &row.ssim, &row.psnr_rgb[0], &row.psnr_rgb[1], &row.psnr_rgb[2], &row.psnr_8bit,
                    &row.ssim_8bit, &row.blockiness, &row.lpips, &row.fps})
    *v = as_written(*v);
  for (double* v : {&row.encode_ms, &row.decode_ms, &row.read_ms}) *v = ms_written(*v);
  for (auto& r : rows)
    if (r.file == row.file) {
      r = std::move(row);
      return;
    }
  rows.push_back(std::move(row));
}

EvalRow EvalTable::aggregate() const {
  EvalRow all;
  all.file = "ALL";
  all.status = "summary";
  int ok = 0, failed = 0;
  double psnr = 0, ssim = 0, rgb[3] = {0, 0, 0}, p8 = 0, s8 = 0, blockiness = 0, lpips = 0;
  int first_h = -1, first_w = -1;
  bool same_size = true;
  for (const auto& r : rows) {
    if (r.status != "ok") {
      ++failed;
      continue;
    }
    ++ok;
    all.frames += r.frames;
    psnr += r.psnr;
    ssim += r.ssim;
    for (int c = 0; c < 3; ++c) rgb[c] += r.psnr_rgb[c];
    p8 += r.psnr_8bit;
    s8 += r.ssim_8bit;
    blockiness += r.blockiness;
    lpips += r.lpips;
    all.encode_ms += r.encode_ms;
    all.decode_ms += r.decode_ms;
    all.read_ms += r.read_ms;
    if (first_h < 0) {
      first_h = r.height;
      first_w = r.width;
    } else if (r.height != first_h || r.width != first_w) {
      same_size = false;
    }
    if (all.settings.empty()) all.settings = r.settings;
  }
  const double nan = std::nan("");
  all.psnr = ok ? psnr / ok : nan;
  all.ssim = ok ? ssim / ok : nan;
  for (int c = 0; c < 3; ++c) all.psnr_rgb[c] = ok ? rgb[c] / ok : nan;
  all.psnr_8bit = ok ? p8 / ok : nan;
  all.ssim_8bit = ok ? s8 / ok : nan;
  all.blockiness = ok ? blockiness / ok : nan;
  all.lpips = ok ? lpips / ok : nan;
  all.fvd = nan;
  all.fps = nan;
  if (same_size && ok) {
    all.height = first_h;
    all.width = first_w;
  }
  all.error = "per-video mean over " + std::to_string(ok) + " videos" +
              (failed ? "; " + std::to_string(failed) + " failed inputs not counted" : "") +
              "; frames and times are sums";
  if (!fvd_detector.empty()) {
    perceptual::Features real, fake;
    feature_sets(&real, &fake);
    if (fake.size() > 1 || (fake.size() == 1 && real.size() == 1)) {
      all.fvd = perceptual::frechet_distance(fake, real).value;
      all.error += "; fvd: styleganv (cal_fvd.py's I3D features and Frechet distance) over all " +
                   std::to_string(fake.size()) + " videos at once, not the mean of per-batch values; detector sha256 " +
                   fvd_detector;
    }
  }
  return all;
}

std::string EvalTable::to_csv() const {
  std::string out;
  for (size_t i = 0; i < columns().size(); ++i) out += (i ? "," : "") + columns()[i];
  out += "\n";
  auto line = [&](const EvalRow& r) {
    const bool has_size = r.height > 0;
    const std::vector<std::string> f = {csv_field(r.file),
                                        r.status == "error" && r.frames == 0 ? "" : std::to_string(r.frames),
                                        has_size ? std::to_string(r.height) : "",
                                        has_size ? std::to_string(r.width) : "",
                                        num(r.psnr),
                                        num(r.ssim),
                                        num(r.psnr_rgb[0]),
                                        num(r.psnr_rgb[1]),
                                        num(r.psnr_rgb[2]),
                                        r.status == "error" ? "" : ms(r.encode_ms),
                                        r.status == "error" ? "" : ms(r.decode_ms),
                                        r.status == "error" ? "" : ms(r.read_ms),
                                        num(r.psnr_8bit),
                                        num(r.ssim_8bit),
                                        num(r.blockiness),
                                        num(r.fps),
                                        r.status,
                                        csv_field(r.error),
                                        csv_field(r.settings),
                                        num(r.lpips),
                                        num(r.fvd)};
    for (size_t i = 0; i < f.size(); ++i) out += (i ? "," : "") + f[i];
    out += "\n";
  };
  for (const auto& r : rows) line(r);
  line(aggregate());
  return out;
}

void EvalTable::feature_sets(perceptual::Features* real, perceptual::Features* fake) const {
  for (const auto& r : rows) {
    const auto it = features.find(r.file);
    if (r.status != "ok" || it == features.end()) continue;
    real->push_back(it->second.real);
    fake->push_back(it->second.fake);
  }
}

double EvalTable::batched_fvd(int batch) const {
  if (fvd_detector.empty() || batch < 1) return std::nan("");
  perceptual::Features real, fake;
  feature_sets(&real, &fake);
  double sum = 0;
  int batches = 0;
  for (size_t i = 0; i < fake.size(); i += static_cast<size_t>(batch), ++batches) {
    const size_t end = std::min(fake.size(), i + static_cast<size_t>(batch));
    sum += perceptual::frechet_distance(perceptual::Features(fake.begin() + i, fake.begin() + end),
                                        perceptual::Features(real.begin() + i, real.begin() + end))
               .value;
  }
  return batches ? sum / batches : std::nan("");
}

fs::path features_path(const fs::path& table) {
  fs::path p = table;
  return p.replace_extension(".i3d.safetensors");
}

std::map<std::string, ClipFeatures> load_features(const fs::path& path, const std::string& sha256) {
  std::map<std::string, ClipFeatures> out;
  std::error_code ec;
  if (!fs::exists(path, ec)) return out;
  const SafetensorsReader f(path);
  const auto& meta = f.metadata();
  const auto format = meta.find("format"), det = meta.find("detector_sha256"), files = meta.find("files");
  if (format == meta.end() || format->second != "wfvae-eval-i3d-features" || files == meta.end())
    fail_input(path.string() + ": not a wfvae eval features file; remove it or choose another --out");
  if (det == meta.end() || det->second != sha256)
    fail_input(path.string() + ": features made with another I3D detector (sha256 " +
               (det == meta.end() ? std::string("unknown") : det->second) + ", now " + sha256 +
               "): resume with the same --i3d or write to another --out");
  const json::Value names = json::parse(files->second);
  const StTensorEntry* real = f.find("real");
  const StTensorEntry* fake = f.find("fake");
  const size_t n = names.as_array().size();
  const std::vector<int64_t> shape = {static_cast<int64_t>(n), perceptual::kI3dFeatureCount};
  if (!real || !fake || real->dtype != StDType::F64 || fake->dtype != StDType::F64 || real->shape != shape ||
      fake->shape != shape)
    fail_input(path.string() + ": its real/fake tensors are not F64 [" + std::to_string(n) + ", 400] (damaged?)");
  const double* pr = reinterpret_cast<const double*>(f.data(*real));
  const double* pf = reinterpret_cast<const double*>(f.data(*fake));
  for (size_t i = 0; i < n; ++i) {
    ClipFeatures c;
    c.real.assign(pr + i * perceptual::kI3dFeatureCount, pr + (i + 1) * perceptual::kI3dFeatureCount);
    c.fake.assign(pf + i * perceptual::kI3dFeatureCount, pf + (i + 1) * perceptual::kI3dFeatureCount);
    out[names.as_array()[i].as_string()] = std::move(c);
  }
  return out;
}

void save_features(const fs::path& path, const EvalTable& table) {
  std::vector<double> real, fake;
  json::Array names;
  for (const auto& r : table.rows) {
    const auto it = table.features.find(r.file);
    if (r.status != "ok" || it == table.features.end()) continue;
    names.emplace_back(r.file);
    real.insert(real.end(), it->second.real.begin(), it->second.real.end());
    fake.insert(fake.end(), it->second.fake.begin(), it->second.fake.end());
  }
  const std::vector<int64_t> shape = {static_cast<int64_t>(names.size()), perceptual::kI3dFeatureCount};
  std::map<std::string, std::string> meta = {{"format", "wfvae-eval-i3d-features"},
                                             {"detector_sha256", table.fvd_detector},
                                             {"files", json::dump(json::Value(names))},
                                             {"note",
                                              "I3D features (cal_fvd.py's get_fvd_feats: preprocess_single, "
                                              "return_features=True) of each input (real) and its reconstruction "
                                              "(fake), one row per file in 'files'"}};
  write_safetensors(path, {{"real", StDType::F64, shape, real.data()}, {"fake", StDType::F64, shape, fake.data()}},
                    meta, true);
}

std::string settings_fingerprint(const ReconRequest& b, const std::string& model_path) {
  std::error_code ec;
  fs::path m = fs::weakly_canonical(fs::absolute(model_path), ec);
  if (ec) m = fs::absolute(model_path);
  std::string s = "model=" + m.string();
  if (!b.load.config.empty()) {
    fs::path c = fs::weakly_canonical(fs::absolute(b.load.config), ec);
    s += ";config=" + (ec ? b.load.config.string() : c.string());
  }
  if (b.load.weights != WeightsChoice::Auto) s += std::string(";weights=") + weights_choice_name(b.load.weights);
  s += ";size=" + (b.height ? std::to_string(b.height) + "x" + std::to_string(b.width)
                            : "auto(short<=" + std::to_string(b.max_short_side) + ")");
  s += ";frames=" + (b.frames ? std::to_string(b.frames) : std::string("all"));
  if (b.start_frame) s += ";start=" + std::to_string(*b.start_frame) + "f";
  if (b.start_time_s) s += ";start=" + num(*b.start_time_s) + "s";
  s += ";stride=" + std::to_string(b.stride);
  if (!b.norm_type.empty()) s += ";norm=" + b.norm_type;
  if (b.num_groups) s += ";groups=" + std::to_string(b.num_groups);
  s += std::string(";dtype=") + dtype_name(b.dtype);
  s += std::string(";chunked=") + (b.chunked ? "1" : "0");
  // Tiles change the result; automatic tiling is recorded as such (the plan may
  // differ per input and per machine, and each row's plan is its own).
  if (b.tile != -1) s += ";tile=" + std::to_string(b.tile) + (b.tile > 0 ? "/" + std::to_string(b.tile_overlap) : "");
  s += b.sample ? ";latent=sample:" + std::to_string(b.seed) : std::string(";latent=mode");
  if (b.lpips) s += ";lpips=alex";
  if (b.i3d) s += ";fvd=styleganv:" + b.i3d->sha256().substr(0, 16);
  return s;
}

EvalTable open_eval_table(const fs::path& table, const std::string& settings) {
  std::error_code ec;
  if (!fs::exists(table, ec)) {
    check_output_path(table, false);
    return {};
  }
  if (text::lower_extension(table) != ".csv") fail_usage(table.string() + ": the eval table must be a .csv file");
  check_output_path(table, true);  // folder writable (it is rewritten after each input)
  EvalTable t = EvalTable::load(table);
  for (const auto& r : t.rows)
    if (r.status == "ok" && r.settings != settings)
      fail_input(table.string() + ": rows were made with other settings (" + r.settings + "; now " + settings +
                 "): resume with the same settings or write to another --out");
  return t;
}

EvalOutcome run_eval(const EvalRequest& req) {
  EvalTable table = open_eval_table(req.table, req.settings);
  EvalOutcome out;
  const bool fvd = req.base.i3d != nullptr;
  if (fvd) {
    out.features = features_path(req.table);
    table.fvd_detector = req.base.i3d->sha256();
    table.features = load_features(out.features, table.fvd_detector);
  }
  const size_t n = req.inputs.size();
  for (size_t i = 0; i < n; ++i) {
    if (req.cancel) req.cancel->check();
    const std::string file = req.inputs[i].string();
    const EvalRow* existing = table.find(file);
    // With FVD a finished row also needs its features (else it is done again).
    if (existing && existing->status == "ok" && (!fvd || table.features.count(file))) {
      ++out.skipped;
      if (req.on_row) req.on_row(*existing, true);
      continue;
    }
    ReconRequest r = req.base;
    r.input = req.inputs[i];
    const std::string label = std::to_string(i + 1) + "/" + std::to_string(n) + " " + req.inputs[i].filename().string();
    if (req.progress) {
      ProgressFn parent = req.progress;
      const double b = static_cast<double>(i) / n, e = static_cast<double>(i + 1) / n;
      r.progress = [parent, b, e, label](double f, const std::string& s) { parent(b + (e - b) * f, label + ": " + s); };
    }
    r.cancel = req.cancel;
    EvalRow row;
    row.file = file;
    row.settings = req.settings;
    try {
      ReconResult res = reconstruct(r);
      row.status = "ok";
      row.frames = res.frames;
      row.height = res.height;
      row.width = res.width;
      row.fps = res.fps;
      row.psnr = res.metrics.psnr_mean;
      row.ssim = res.metrics.ssim_mean;
      for (int c = 0; c < 3; ++c) row.psnr_rgb[c] = res.metrics.psnr_rgb_mean[c];
      row.psnr_8bit = res.metrics_8bit.psnr_mean;
      row.ssim_8bit = res.metrics_8bit.ssim_mean;
      row.blockiness = res.metrics.blockiness_mean;
      row.lpips = res.lpips.empty() ? std::nan("") : res.lpips_mean;
      row.fvd = std::nan("");
      if (fvd) table.features[file] = ClipFeatures{res.i3d_real, res.i3d_fake};
      row.encode_ms = res.timings.encode_ms;
      row.decode_ms = res.timings.decode_ms;
      row.read_ms = res.timings.read_ms;
      ++out.evaluated;
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::Cancelled || e.kind() == ErrorKind::Usage) throw;
      row.status = "error";
      row.error = e.what();
      ++out.failed;
      if (e.kind() == ErrorKind::Runtime || e.kind() == ErrorKind::OutOfMemory) out.runtime_failure = true;
    } catch (const std::bad_alloc&) {
      row.status = "error";
      row.error = file + ": out of memory (try --size, --frames or --chunked)";
      ++out.failed;
      out.runtime_failure = true;
    }
    if (row.status == "error") {
      const double nan = std::nan("");
      row.psnr = row.ssim = row.psnr_8bit = row.ssim_8bit = row.blockiness = row.lpips = row.fvd = row.fps = nan;
      table.features.erase(file);
      for (double& v : row.psnr_rgb) v = nan;
    }
    table.upsert(row);
    if (fvd) save_features(out.features, table);  // before the table: a row never lacks its features
    write_file_atomic(req.table, table.to_csv(), true);
    if (req.on_row) req.on_row(row, false);
  }
  // Also when everything was skipped: the ALL row reflects the table as it is.
  write_file_atomic(req.table, table.to_csv(), true);
  out.all = table.aggregate();
  if (req.progress) req.progress(1.0, "done");
  return out;
}

}  // namespace wfvae::pipeline
