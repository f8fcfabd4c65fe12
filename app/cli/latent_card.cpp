#include "cli/latent_card.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/fileutil.h"
#include "core/json.h"
#include "core/text.h"

namespace wfvae::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kHeading = "## Latents";
constexpr const char* kReproduce = "Reproduce: `wfvae latent-stats ";  // the section's last line

std::string shortest(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

const json::Value& at(const json::Value& v, const char* key, const std::string& where) {
  const json::Value* m = v.is_object() ? v.find(key) : nullptr;
  if (!m) fail_input(where + ": no \"" + key + "\" (not a wfvae latent-stats file?)");
  return *m;
}

std::vector<double> numbers(const json::Value& v, const std::string& where) {
  const auto out = json::number_array(v);
  if (!out) fail_input(where + ": expected an array of numbers");
  return *out;
}

std::string list(const std::vector<double>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + shortest(v[i]);
  return s + "]";
}

size_t arg_extreme(const std::vector<double>& v, bool largest, bool magnitude) {
  size_t k = 0;
  for (size_t i = 1; i < v.size(); ++i) {
    const double a = magnitude ? std::fabs(v[i]) : v[i], b = magnitude ? std::fabs(v[k]) : v[k];
    if (largest ? a > b : a < b) k = i;
  }
  return k;
}

struct CardLatentsOptions {};

flags::CommandSpec card_latents_spec(CardLatentsOptions&) {
  return {"card-latents",
          "wfvae card-latents MODEL STATS.json",
          "Write a model card's Latents section (MODEL/README.md) from a latent-stats file.",
          "Replaces the \"## Latents\" section of MODEL/README.md (a bundled model's card, as wfvae\n"
          "model-card writes it), or adds it before the card's closing notes: the raw latent's per-channel\n"
          "spread on the data STATS.json was made from (wfvae latent-stats), whether the config's\n"
          "scale/shift normalise it, and the scale/shift that would, for config.json. The card is written\n"
          "atomically. scripts/lab/install-model makes STATS.json over the footage for each bundled model.",
          {},
          2,
          2,
          "  wfvae latent-stats ~/.cache/wfvae-studio/footage --model assets/models/wfvae-tiny-gn --size 128x128 "
          "--frames 17 --out gn.json\n"
          "  wfvae card-latents assets/models/wfvae-tiny-gn gn.json\n"};
}

int run_card_latents(CardLatentsOptions&, const Args& a) {
  const fs::path card = fs::path(a.positional[0]) / "README.md";
  const std::vector<std::string> section = latent_card_section(a.positional[1]);
  std::vector<std::string> lines;
  {
    const std::string text = read_text_file(card);
    size_t b = 0;
    for (size_t e; (e = text.find('\n', b)) != std::string::npos; b = e + 1) lines.push_back(text.substr(b, e - b));
    if (b < text.size()) lines.push_back(text.substr(b));
  }
  // The old section: from its heading through its own last line (kReproduce), else to
  // the next "## " heading.
  size_t from = lines.size(), to = lines.size();
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i] == kHeading) {
      from = i;
      to = i + 1;
      while (to < lines.size() && lines[to].rfind("## ", 0) != 0 && lines[to].rfind(kReproduce, 0) != 0) ++to;
      if (to < lines.size() && lines[to].rfind(kReproduce, 0) == 0) ++to;
      while (to < lines.size() && lines[to].empty()) ++to;
      break;
    }
  if (from == lines.size()) {
    // New: before the closing notes ("Chunked = ...", "Reproduce: ..."), else at the end.
    for (size_t i = 0; i < lines.size(); ++i)
      if (lines[i].rfind("Chunked = ", 0) == 0) {
        from = to = i;
        break;
      }
  }
  std::vector<std::string> out(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(from));
  out.insert(out.end(), section.begin(), section.end());
  out.push_back("");
  out.insert(out.end(), lines.begin() + static_cast<std::ptrdiff_t>(to), lines.end());
  while (!out.empty() && out.back().empty()) out.pop_back();
  std::string text;
  for (const auto& l : out) text += l + "\n";
  write_file_atomic(card, text, /*overwrite=*/true);
  std::printf("wrote %s (the Latents section)\n", card.string().c_str());
  return 0;
}

}  // namespace

std::vector<std::string> latent_card_section(const fs::path& path) {
  const std::string where = path.string();
  json::Value s;
  try {
    s = json::parse(read_text_file(path));
  } catch (const json::ParseError& e) {
    fail_input(where + ": not valid JSON: " + e.what());
  }
  if (!s.is_object() || !s.find("format") || !s.find("format")->is_string() ||
      s.find("format")->as_string() != "wfvae-latent-stats")
    fail_input(where + ": not a wfvae latent-stats file (no \"format\": \"wfvae-latent-stats\")");
  const json::Value& prov = at(s, "provenance", where);
  const json::Value& raw = at(s, "raw", where);
  const std::vector<double> mean = numbers(at(raw, "mean", where), where + ": raw.mean");
  const std::vector<double> std = numbers(at(raw, "std", where), where + ": raw.std");
  if (mean.empty() || mean.size() != std.size()) fail_input(where + ": raw.mean and raw.std differ in length");
  const json::Value& suggested = at(s, "suggested", where);
  const std::vector<double> scale = numbers(at(suggested, "scale", where), where + ": suggested.scale");
  const std::vector<double> shift = numbers(at(suggested, "shift", where), where + ": suggested.shift");
  const size_t clips = at(s, "inputs", where).is_array() ? at(s, "inputs", where).as_array().size() : 0;
  auto text = [&](const char* key) {
    const json::Value* v = prov.find(key);
    return !v ? std::string("?") : v->is_string() ? v->as_string() : json::dump(*v);
  };
  const size_t lo = arg_extreme(std, false, false), hi = arg_extreme(std, true, false),
               far = arg_extreme(mean, true, true);
  std::string norm;
  const json::Value* problem = s.find("normalized_problem");
  if (problem && problem->is_string()) {
    norm = "The config's `scale`/`shift` cannot normalise them (" + problem->as_string() + ").";
  } else if (const json::Value* n = s.find("normalized"); n && n->is_object() && n->find("std")) {
    const std::vector<double> nstd = numbers(*n->find("std"), where + ": normalized.std");
    norm = "With the config's `scale`/`shift` (a seeded posterior sample, as `vae_var_test.py`) the std runs from " +
           text::fixed(nstd[arg_extreme(nstd, false, false)], 3) + " to " +
           text::fixed(nstd[arg_extreme(nstd, true, false)], 3) + ".";
  }
  return {kHeading,
          "",
          "`wfvae latent-stats` over " + std::to_string(clips) + " clips (" + text("frames") + " frames at " +
              text("size") + ", the posterior mode, " + text("dtype") + " on the " + text("device") +
              "): per channel, the raw latent's std runs from " + text::fixed(std[lo], 3) + " (channel " +
              std::to_string(lo) + ") to " + text::fixed(std[hi], 3) + " (channel " + std::to_string(hi) +
              "), its means lie within " + text::fixed(std::fabs(mean[far]), 3) + " of 0 (the farthest: channel " +
              std::to_string(far) + "). " + norm +
              " For a diffusion model's mean-0, std-1 latents, `config.json` would take:",
          "",
          "```json",
          "\"scale\": " + list(scale) + ",",
          "\"shift\": " + list(shift),
          "```",
          "",
          kReproduce + std::string("~/.cache/wfvae-studio/footage --model MODEL --size ") + text("size") +
              " --frames " + text("frames") + " --out stats.json`, then `wfvae card-latents MODEL stats.json`."};
}

Command card_latents_command() { return make_command(card_latents_spec, run_card_latents); }

}  // namespace wfvae::cli
