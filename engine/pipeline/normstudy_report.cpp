#include "pipeline/normstudy_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "core/csv.h"
#include "core/error.h"
#include "core/fileutil.h"
#include "core/text.h"
#include "perceptual/fvd.h"

namespace wfvae::pipeline {

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const char* const kClasses[] = {"static", "moderate", "dynamic", "image"};
const char* const kPalette[] = {"#3a9ff0", "#f0a030", "#5cc878", "#d070e0", "#e05a5a", "#40c8c8", "#b0b050", "#909090"};

// Fixed-point, "" (an empty cell) when not finite.
std::string num(double v, int decimals) { return std::isfinite(v) ? text::fixed(v, decimals) : ""; }

json::Value num_or_null(double v) { return std::isfinite(v) ? json::Value(v) : json::Value(nullptr); }

json::Value spread_json(const Spread& s) {
  json::Value j = json::Object{};
  j["n"] = s.n;
  j["mean"] = s.n ? json::Value(s.mean) : json::Value(nullptr);
  j["std"] = s.n > 1 ? json::Value(s.std) : json::Value(nullptr);
  return j;
}

// What a setting's and a class's figures share in report.json.
void put_quality(json::Value& j, int clips, const Spread& psnr, const Spread& ssim, const Spread& lpips, double fvd) {
  j["clips"] = clips;
  j["psnr"] = spread_json(psnr);
  j["ssim"] = spread_json(ssim);
  j["lpips"] = spread_json(lpips);
  j["fvd"] = num_or_null(fvd);
}

const std::pair<const char*, std::string ClaimVerdict::*> kClaimFields[] = {{"claim", &ClaimVerdict::claim},
                                                                            {"comparison", &ClaimVerdict::comparison},
                                                                            {"verdict", &ClaimVerdict::verdict},
                                                                            {"evidence", &ClaimVerdict::evidence}};

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

// FVD over the rows with features (at least 2 videos, or the mean term of one pair).
double fvd_of(const std::vector<const StudyRow*>& rows) {
  perceptual::Features real, fake;
  for (const StudyRow* r : rows)
    if (!r->i3d_real.empty()) {
      real.push_back(r->i3d_real);
      fake.push_back(r->i3d_fake);
    }
  if (fake.size() < 2) return kNaN;
  return perceptual::frechet_distance(fake, real).value;
}

// The paired difference b - a over the clips both have ok rows for.
struct Paired {
  int n = 0;
  double a = 0, b = 0, diff = 0, se = 0;  // means; standard error of the mean difference
};
Paired paired(const std::map<std::string, const StudyRow*>& a, const std::map<std::string, const StudyRow*>& b,
              const std::set<std::string>& clips, double StudyRow::*metric) {
  std::vector<double> d;
  Paired p;
  for (const auto& c : clips) {
    auto ia = a.find(c), ib = b.find(c);
    if (ia == a.end() || ib == b.end()) continue;
    const double x = ia->second->*metric, y = ib->second->*metric;
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    p.a += x;
    p.b += y;
    d.push_back(y - x);
  }
  p.n = static_cast<int>(d.size());
  if (!p.n) return p;
  p.a /= p.n;
  p.b /= p.n;
  const Spread s = spread_of(d);
  p.diff = s.mean;
  p.se = p.n > 1 ? s.std / std::sqrt(static_cast<double>(p.n)) : kNaN;
  return p;
}

}  // namespace

MotionThresholds tercile_thresholds(std::vector<double> m) {
  m.erase(std::remove_if(m.begin(), m.end(), [](double x) { return !std::isfinite(x); }), m.end());
  std::sort(m.begin(), m.end());
  MotionThresholds t;
  if (m.empty()) return t;
  auto q = [&](double p) {
    const double pos = p * static_cast<double>(m.size() - 1);
    const size_t i = static_cast<size_t>(std::floor(pos));
    const double f = pos - static_cast<double>(i);
    return i + 1 < m.size() ? m[i] + f * (m[i + 1] - m[i]) : m[i];
  };
  t.static_max = q(1.0 / 3);
  t.dynamic_min = q(2.0 / 3);
  return t;
}

std::string motion_class(double motion, int64_t frames, const MotionThresholds& t) {
  if (frames <= 1 || !std::isfinite(motion)) return "image";
  if (motion <= t.static_max) return "static";
  if (motion > t.dynamic_min) return "dynamic";
  return "moderate";
}

Spread spread_of(const std::vector<double>& values) {
  Spread s;
  double sum = 0;
  for (double v : values)
    if (std::isfinite(v)) sum += v, ++s.n;
  if (!s.n) return s;
  s.mean = sum / s.n;
  double m2 = 0;
  for (double v : values)
    if (std::isfinite(v)) m2 += (v - s.mean) * (v - s.mean);
  s.std = s.n > 1 ? std::sqrt(m2 / (s.n - 1)) : 0;
  return s;
}

namespace {

// One setting's figures over its rows of `all`, overall and per motion class.
SettingFigures figures_of(const StudySetting& setting, const std::vector<StudyRow>& all,
                          const std::map<std::string, std::string>& cls) {
  SettingFigures f;
  f.setting = setting;
  std::vector<const StudyRow*> rows;
  std::vector<double> psnr, ssim, lpips, enc, dec;
  for (const auto& r : all) {
    if (r.setting != setting.key()) continue;
    if (r.status != "ok") {
      ++f.failed;
      continue;
    }
    rows.push_back(&r);
    psnr.push_back(r.psnr);
    ssim.push_back(r.ssim);
    lpips.push_back(r.lpips);
    enc.push_back(r.encode_ms);
    dec.push_back(r.decode_ms);
    f.peak_bytes = std::max(f.peak_bytes, r.peak_bytes);
  }
  f.clips = static_cast<int>(rows.size());
  f.psnr = spread_of(psnr);
  f.ssim = spread_of(ssim);
  f.lpips = spread_of(lpips);
  f.fvd = fvd_of(rows);
  f.encode_ms = spread_of(enc).mean;
  f.decode_ms = spread_of(dec).mean;
  for (const char* c : kClasses) {
    ClassFigures k;
    k.motion_class = c;
    std::vector<const StudyRow*> in;
    std::vector<double> p, s, l;
    for (const StudyRow* r : rows)
      if (cls.at(r->clip) == c) {
        in.push_back(r);
        p.push_back(r->psnr);
        s.push_back(r->ssim);
        l.push_back(r->lpips);
      }
    if (in.empty()) continue;
    k.clips = static_cast<int>(in.size());
    k.psnr = spread_of(p);
    k.ssim = spread_of(s);
    k.lpips = spread_of(l);
    k.fvd = fvd_of(in);
    f.classes.push_back(k);
  }
  return f;
}

// The claims: each GroupNorm setting against the first LayerNorm one, on the clips both
// measured (`ok`: each setting's ok rows by clip).
std::vector<ClaimVerdict> judge_claims(const std::vector<StudySetting>& settings,
                                       const std::vector<SettingFigures>& figures,
                                       const std::vector<std::map<std::string, const StudyRow*>>& ok,
                                       const std::map<std::string, std::string>& cls) {
  std::vector<ClaimVerdict> out;
  size_t ln = settings.size();
  for (size_t i = 0; i < settings.size() && ln == settings.size(); ++i)
    if (settings[i].norm_type == "layernorm") ln = i;
  const char* kClaim1 = "GroupNorm gives a lower FVD on dynamic scenes";
  const char* kClaim2 = "LayerNorm gives a higher PSNR on static scenes and images";
  const char* kClaim3 = "GroupNorm uses about 23% less memory than LayerNorm";
  bool any_gn = false;
  for (size_t g = 0; g < settings.size(); ++g) {
    if (settings[g].norm_type != "groupnorm") continue;
    any_gn = true;
    if (ln == settings.size()) break;
    const std::string cmp = settings[g].label() + " vs " + settings[ln].label();
    std::set<std::string> dynamic, still;
    for (const auto& [c, k] : cls) {
      if (k == "dynamic") dynamic.insert(c);
      if (k == "static" || k == "image") still.insert(c);
    }
    {  // 1: FVD on dynamic clips (paired clips with features on both sides)
      std::vector<const StudyRow*> a, b;
      for (const auto& c : dynamic) {
        auto ia = ok[g].find(c), ib = ok[ln].find(c);
        if (ia != ok[g].end() && ib != ok[ln].end() && !ia->second->i3d_real.empty() && !ib->second->i3d_real.empty())
          a.push_back(ia->second), b.push_back(ib->second);
      }
      const Paired p = paired(ok[g], ok[ln], dynamic, &StudyRow::psnr);
      const std::string context = p.n ? " PSNR on the same clips: " + num(p.a, 2) + " vs " + num(p.b, 2) + " dB." : "";
      const double fg = fvd_of(a), fl = fvd_of(b);
      if (!std::isfinite(fg) || !std::isfinite(fl)) {
        out.push_back({kClaim1, cmp, "not measured",
                       std::to_string(a.size()) +
                           " dynamic clips with I3D features on both sides (FVD needs at "
                           "least 2; run with --fvd)." +
                           context});
      } else {
        out.push_back({kClaim1, cmp, fg < fl ? "holds" : "does not hold",
                       "FVD " + num(fg, 2) + " vs " + num(fl, 2) + " over " + std::to_string(a.size()) +
                           " dynamic clips (one set: FVD has no clip-level spread)." + context});
      }
    }
    {  // 2: PSNR on static clips and images, LayerNorm minus GroupNorm, paired
      const Paired p = paired(ok[g], ok[ln], still, &StudyRow::psnr);
      if (p.n < 2) {
        out.push_back({kClaim2, cmp, "not testable",
                       std::to_string(p.n) + " static clips or images measured under both (2 or more needed)"});
      } else {
        const std::string v = p.diff > 2 * p.se ? "holds" : p.diff < -2 * p.se ? "does not hold" : "within noise";
        out.push_back({kClaim2, cmp, v,
                       "PSNR " + num(p.b, 2) + " (LayerNorm) vs " + num(p.a, 2) + " dB over " + std::to_string(p.n) +
                           " static clips and images: LayerNorm minus GroupNorm " + num(p.diff, 3) +
                           " dB, standard error " + num(p.se, 3) +
                           " dB (the claim holds when the difference exceeds 2 standard errors, fails below -2)"});
      }
    }
    {  // 3: peak memory
      const int64_t mg = figures[g].peak_bytes, ml = figures[ln].peak_bytes;
      if (mg <= 0 || ml <= 0) {
        out.push_back({kClaim3, cmp, "not measured", "no peak memory recorded"});
      } else {
        const double saving = 1.0 - static_cast<double>(mg) / static_cast<double>(ml);
        const std::string v = saving >= 0.15 ? "holds" : saving < 0.05 ? "does not hold" : "partly";
        out.push_back({kClaim3, cmp, v,
                       "peak " + num(mg / 1048576.0, 1) + " vs " + num(ml / 1048576.0, 1) + " MiB: GroupNorm uses " +
                           num(100 * std::fabs(saving), 1) + (saving >= 0 ? "% less" : "% more") +
                           " (the largest clip's run, over the process's baseline; the article's 23% is GPU "
                           "memory; the claim holds from a 15% saving, partly from 5%)"});
      }
    }
  }
  if (!any_gn || ln == settings.size())
    for (const char* c : {kClaim1, kClaim2, kClaim3})
      out.push_back({c, "", "not testable",
                     "the study needs a GroupNorm and a LayerNorm setting (e.g. wfvae-tiny-gn and wfvae-tiny-ln)"});
  return out;
}

}  // namespace

StudyReport build_study_report(const std::vector<StudyRow>& all, const std::vector<StudySetting>& settings,
                               const std::optional<std::pair<double, double>>& thresholds) {
  StudyReport rep;
  std::map<std::string, size_t> order;
  for (size_t i = 0; i < settings.size(); ++i) order.emplace(settings[i].key(), i);
  // One row per (setting, clip): the first ok row, else the first.
  std::map<std::pair<size_t, std::string>, StudyRow> picked;
  for (const auto& r : all) {
    const auto it = order.find(r.setting);
    if (it == order.end()) {
      ++rep.ignored_rows;
      continue;
    }
    auto [slot, fresh] = picked.emplace(std::make_pair(it->second, r.clip), r);
    if (!fresh && slot->second.status != "ok" && r.status == "ok") slot->second = r;
  }
  for (auto& [k, r] : picked) rep.rows.push_back(r);

  // Each clip's motion (the same under every setting: the input is) and class.
  std::map<std::string, std::pair<double, int64_t>> motion;
  for (const auto& r : rep.rows)
    if (r.status == "ok" && !motion.count(r.clip)) motion[r.clip] = {r.motion, r.frames};
  std::vector<double> video_motions;
  for (const auto& [c, m] : motion)
    if (m.second > 1) video_motions.push_back(m.first);
  rep.thresholds =
      thresholds ? MotionThresholds{thresholds->first, thresholds->second, false} : tercile_thresholds(video_motions);
  std::map<std::string, std::string> cls;
  for (const auto& [c, m] : motion) {
    cls[c] = motion_class(m.first, m.second, rep.thresholds);
    rep.clip_classes.emplace_back(c, cls[c]);
  }

  std::vector<std::map<std::string, const StudyRow*>> ok(settings.size());
  for (const auto& r : rep.rows)
    if (r.status == "ok") ok[order[r.setting]][r.clip] = &r;
  for (const auto& setting : settings) rep.settings.push_back(figures_of(setting, rep.rows, cls));
  rep.claims = judge_claims(settings, rep.settings, ok, cls);
  return rep;
}

json::Value StudyReport::to_json() const {
  json::Value j = json::Object{};
  j["format"] = "wfvae-normstudy-report";
  j["version"] = 1;
  json::Value t = json::Object{};
  t["static_max"] = thresholds.static_max;
  t["dynamic_min"] = thresholds.dynamic_min;
  t["from"] = thresholds.terciles ? "terciles of the clips' motion scores" : "given";
  t["motion_score"] = "mean absolute difference of consecutive preprocessed frames, 8-bit levels";
  j["motion_thresholds"] = t;
  json::Array ss;
  for (const auto& f : settings) {
    json::Value s = json::Object{};
    s["key"] = f.setting.key();
    s["label"] = f.setting.label();
    s["model"] = f.setting.model;
    s["norm_type"] = f.setting.norm_type;
    s["num_groups"] = f.setting.num_groups;
    s["trained"] = f.setting.trained;
    put_quality(s, f.clips, f.psnr, f.ssim, f.lpips, f.fvd);
    s["failed"] = f.failed;
    s["encode_ms"] = num_or_null(f.encode_ms);
    s["decode_ms"] = num_or_null(f.decode_ms);
    s["peak_bytes"] = f.peak_bytes;
    json::Array cs;
    for (const auto& k : f.classes) {
      json::Value c = json::Object{};
      c["class"] = k.motion_class;
      put_quality(c, k.clips, k.psnr, k.ssim, k.lpips, k.fvd);
      cs.push_back(c);
    }
    s["classes"] = json::Value(cs);
    ss.push_back(s);
  }
  j["settings"] = json::Value(ss);
  json::Array claims_json;
  for (const auto& c : claims) {
    json::Value o = json::Object{};
    for (const auto& [key, field] : kClaimFields) o[key] = c.*field;
    claims_json.push_back(o);
  }
  j["claims"] = json::Value(claims_json);
  json::Array clips;
  for (const auto& [c, k] : clip_classes) {
    json::Value o = json::Object{};
    o["clip"] = c;
    o["class"] = k;
    clips.push_back(o);
  }
  j["clips"] = json::Value(clips);
  json::Array rs;
  for (const auto& r : rows) {
    json::Value o = r.to_json();
    o.as_object().erase("i3d_real");
    o.as_object().erase("i3d_fake");
    o.as_object().erase("format");
    rs.push_back(o);
  }
  j["rows"] = json::Value(rs);
  j["ignored_rows"] = ignored_rows;
  return j;
}

std::string StudyReport::summary_csv() const {
  std::string out =
      "setting,class,clips,failed,psnr_mean,psnr_std,ssim_mean,ssim_std,lpips_mean,fvd,encode_ms,"
      "decode_ms,peak_mib\n";
  for (const auto& f : settings) {
    auto line = [&](const std::string& cls, int clips, int failed, const Spread& p, const Spread& s, const Spread& l,
                    double fvd, bool totals) {
      out += csv_field(f.setting.key()) + "," + cls + "," + std::to_string(clips) + "," +
             (totals ? std::to_string(failed) : "") + "," + num(p.mean, 4) + "," + (p.n > 1 ? num(p.std, 4) : "") +
             "," + num(s.mean, 5) + "," + (s.n > 1 ? num(s.std, 5) : "") + "," + (l.n ? num(l.mean, 5) : "") + "," +
             num(fvd, 3) + "," + (totals ? num(f.encode_ms, 1) : "") + "," + (totals ? num(f.decode_ms, 1) : "") + "," +
             (totals ? num(f.peak_bytes / 1048576.0, 1) : "") + "\n";
    };
    line("all", f.clips, f.failed, f.psnr, f.ssim, f.lpips, f.fvd, true);
    for (const auto& k : f.classes) line(k.motion_class, k.clips, 0, k.psnr, k.ssim, k.lpips, k.fvd, false);
  }
  return out;
}

// ---------------------------------------------------------------- the HTML page

namespace {

struct Svg {
  std::string body;
  int w, h;
  void text(double x, double y, const std::string& t, const char* anchor = "start", const char* cls = "") {
    char b[160];
    std::snprintf(b, sizeof b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">", x, y, anchor, cls);
    body += b + esc(t) + "</text>\n";
  }
  void line(double x0, double y0, double x1, double y1, const char* cls) {
    char b[200];
    std::snprintf(b, sizeof b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"%s\"/>\n", x0, y0, x1, y1,
                  cls);
    body += b;
  }
  std::string done() const {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(w) + "\" height=\"" +
           std::to_string(h) + "\" viewBox=\"0 0 " + std::to_string(w) + " " + std::to_string(h) + "\">\n" +
           // Styled in the file itself, so the chart reads the same alone as in the page.
           "<style>.axis{fill:#969ba8;font:12px sans-serif}.grid{stroke:#ffffff22}.whisker{stroke:#e1e4eb;"
           "stroke-width:1.5}.threshold{stroke:#969ba8;stroke-dasharray:4 4}</style>\n<rect width=\"100%\" "
           "height=\"100%\" fill=\"#16171b\"/>\n" +
           body + "</svg>\n";
  }
};

// A value axis from lo to hi: "nice" ticks.
std::vector<double> ticks(double lo, double hi, int want = 5) {
  const double span = hi - lo > 0 ? hi - lo : 1;
  const double raw = span / want, mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9; v += step) t.push_back(v);
  return t;
}

// The settings' colours, in rows under a chart; returns the height used.
double legend(Svg& s, const StudyReport& r, double y) {
  double x = 60;
  const double y0 = y;
  for (size_t i = 0; i < r.settings.size(); ++i) {
    const std::string label = r.settings[i].setting.label();
    const double w = 28 + 6.6 * static_cast<double>(label.size());
    if (x + w > s.w - 10 && x > 60) x = 60, y += 18;
    char b[200];
    std::snprintf(b, sizeof b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"11\" height=\"11\" fill=\"%s\"/>\n", x, y - 10,
                  kPalette[i % 8]);
    s.body += b;
    s.text(x + 16, y, label, "start", "axis");
    x += w;
  }
  return y - y0 + 18;
}

// Grouped bars: one group per class, one bar per setting, whiskers at +-std.
std::string class_bars(const StudyReport& r, const char* metric, bool lower_better) {
  std::vector<std::string> classes;
  for (const char* c : kClasses)
    for (const auto& f : r.settings)
      if (std::any_of(f.classes.begin(), f.classes.end(), [&](const ClassFigures& k) { return k.motion_class == c; }) &&
          std::find(classes.begin(), classes.end(), c) == classes.end())
        classes.push_back(c);
  auto value = [&](const ClassFigures& k) {
    return std::string(metric) == "psnr" ? k.psnr.mean : std::string(metric) == "ssim" ? k.ssim.mean : k.fvd;
  };
  auto whisker = [&](const ClassFigures& k) {
    return std::string(metric) == "psnr" ? k.psnr.std : std::string(metric) == "ssim" ? k.ssim.std : 0.0;
  };
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& f : r.settings)
    for (const auto& k : f.classes)
      if (std::isfinite(value(k))) {
        lo = std::min(lo, value(k) - whisker(k));
        hi = std::max(hi, value(k) + whisker(k));
      }
  if (!std::isfinite(lo) || classes.empty()) return "<p class=\"note\">Not measured in this study.</p>\n";
  if (std::string(metric) != "psnr") lo = std::min(lo, 0.0);
  const double pad = (hi - lo) * 0.08 + 1e-9;
  lo = std::string(metric) == "psnr" ? std::floor(lo - pad) : lo;
  hi += pad;
  Svg s{"", 760, 300};
  const double x0 = 60, y0 = 24, pw = s.w - 80, ph = 230;
  auto y = [&](double v) { return y0 + ph - (v - lo) / (hi - lo) * ph; };
  for (double t : ticks(lo, hi)) {
    s.line(x0, y(t), x0 + pw, y(t), "grid");
    s.text(x0 - 6, y(t) + 4, num(t, std::string(metric) == "ssim" ? 2 : 1), "end", "axis");
  }
  const double gw = pw / classes.size(), bw = gw * 0.8 / std::max<size_t>(1, r.settings.size());
  for (size_t c = 0; c < classes.size(); ++c) {
    int clips = 0;
    for (size_t i = 0; i < r.settings.size(); ++i)
      for (const auto& k : r.settings[i].classes) {
        if (k.motion_class != classes[c] || !std::isfinite(value(k))) continue;
        clips = std::max(clips, k.clips);
        const double x = x0 + c * gw + gw * 0.1 + i * bw;
        char b[400];
        std::snprintf(b, sizeof b,
                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" data-setting=\"%s\" "
                      "data-class=\"%s\" data-%s=\"%s\"><title>%s, %s: %s</title></rect>\n",
                      x, y(value(k)), bw * 0.9, y(lo) - y(value(k)), kPalette[i % 8],
                      esc(r.settings[i].setting.key()).c_str(), classes[c].c_str(), metric, num(value(k), 4).c_str(),
                      esc(r.settings[i].setting.label()).c_str(), classes[c].c_str(), num(value(k), 3).c_str());
        s.body += b;
        if (whisker(k) > 0) {
          const double cx = x + bw * 0.45;
          s.line(cx, y(value(k) - whisker(k)), cx, y(value(k) + whisker(k)), "whisker");
        }
      }
    s.text(x0 + c * gw + gw / 2, y0 + ph + 18, classes[c] + " (" + std::to_string(clips) + " clips)", "middle", "axis");
  }
  const std::string title = std::string(metric) == "psnr"   ? "PSNR (dB)"
                            : std::string(metric) == "ssim" ? "SSIM"
                                                            : "FVD";
  s.text(x0, 14,
         title + (lower_better ? ", lower is better" : ", higher is better") +
             (std::string(metric) == "fvd" ? "" : "; whiskers: \xC2\xB1 1 std across the clips"),
         "start", "axis");
  s.h = static_cast<int>(y0 + ph + 44 + legend(s, r, y0 + ph + 44));
  return s.done();
}

// PSNR against motion, a point per (setting, clip).
std::string scatter(const StudyReport& r) {
  double mlo = std::numeric_limits<double>::infinity(), mhi = -mlo, plo = mlo, phi = -mlo;
  for (const auto& row : r.rows)
    if (row.status == "ok" && std::isfinite(row.motion) && std::isfinite(row.psnr)) {
      mlo = std::min(mlo, row.motion), mhi = std::max(mhi, row.motion);
      plo = std::min(plo, row.psnr), phi = std::max(phi, row.psnr);
    }
  if (!std::isfinite(mlo)) return "<p class=\"note\">No video clips with a motion score.</p>\n";
  mlo = 0;
  mhi = mhi * 1.05 + 1e-9;
  plo = std::floor(plo - 0.5);
  phi = std::ceil(phi + 0.5);
  Svg s{"", 760, 320};
  const double x0 = 60, y0 = 20, pw = s.w - 80, ph = 250;
  // Square-root scale: most clips move little, a few a lot.
  auto X = [&](double v) { return x0 + std::sqrt(std::max(0.0, v - mlo) / (mhi - mlo)) * pw; };
  auto Y = [&](double v) { return y0 + ph - (v - plo) / (phi - plo) * ph; };
  for (double t : ticks(plo, phi)) {
    s.line(x0, Y(t), x0 + pw, Y(t), "grid");
    s.text(x0 - 6, Y(t) + 4, num(t, 0), "end", "axis");
  }
  for (double t : ticks(0, std::sqrt(mhi), 6))
    if (t * t <= mhi) s.text(X(t * t), y0 + ph + 16, num(t * t, t * t < 10 ? 1 : 0), "middle", "axis");
  for (double t : {r.thresholds.static_max, r.thresholds.dynamic_min})
    if (t > mlo && t < mhi) s.line(X(t), y0, X(t), y0 + ph, "threshold");
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < r.settings.size(); ++i) index[r.settings[i].setting.key()] = i;
  for (const auto& row : r.rows) {
    if (row.status != "ok" || !std::isfinite(row.motion)) continue;
    const size_t i = index[row.setting];
    char b[600];
    std::snprintf(b, sizeof b,
                  "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" fill-opacity=\"0.8\" data-setting=\"%s\" "
                  "data-clip=\"%s\" "
                  "data-psnr=\"%s\" data-motion=\"%s\"><title>%s\n%s: %s dB, motion %s</title></circle>\n",
                  X(row.motion), Y(row.psnr), kPalette[i % 8], esc(row.setting).c_str(), esc(row.clip).c_str(),
                  num(row.psnr, 4).c_str(), num(row.motion, 3).c_str(), esc(row.clip).c_str(),
                  esc(r.settings[i].setting.label()).c_str(), num(row.psnr, 2).c_str(), num(row.motion, 2).c_str());
    s.body += b;
  }
  s.text(x0, 12, "PSNR (dB) of each clip against its motion score; dashed: the class thresholds", "start", "axis");
  s.text(x0 + pw, y0 + ph + 32, "motion: mean |frame difference|, 8-bit levels (square-root scale)", "end", "axis");
  s.h = static_cast<int>(y0 + ph + 56 + legend(s, r, y0 + ph + 56));
  return s.done();
}

// Horizontal bars of peak memory and time per setting.
std::string cost_bars(const StudyReport& r) {
  Svg s{"", 860, static_cast<int>(30 + 52 * r.settings.size())};
  double mem = 1, ms = 1;
  for (const auto& f : r.settings) {
    mem = std::max(mem, f.peak_bytes / 1048576.0);
    ms = std::max(ms, f.encode_ms + f.decode_ms);
  }
  const double x0 = 380, pw = 340;
  double y = 24;
  for (size_t i = 0; i < r.settings.size(); ++i) {
    const auto& f = r.settings[i];
    const double mb = f.peak_bytes / 1048576.0;
    s.text(x0 - 8, y + 12, f.setting.label() + " \xC2\xB7 peak memory", "end", "axis");
    char b[400];
    std::snprintf(b, sizeof b,
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" fill=\"%s\" data-setting=\"%s\" "
                  "data-peak-mib=\"%s\"/>\n",
                  x0, y, pw * mb / mem, kPalette[i % 8], esc(f.setting.key()).c_str(), num(mb, 1).c_str());
    s.body += b;
    s.text(x0 + pw * mb / mem + 6, y + 12, num(mb, 1) + " MiB", "start", "axis");
    y += 24;
    s.text(x0 - 8, y + 12, "encode + decode per clip", "end", "axis");
    std::snprintf(b, sizeof b,
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" fill=\"%s\" opacity=\"0.55\" "
                  "data-setting=\"%s\" data-ms=\"%s\"/>\n",
                  x0, y, pw * (f.encode_ms + f.decode_ms) / ms, kPalette[i % 8], esc(f.setting.key()).c_str(),
                  num(f.encode_ms + f.decode_ms, 1).c_str());
    s.body += b;
    s.text(x0 + pw * (f.encode_ms + f.decode_ms) / ms + 6, y + 12,
           num(f.encode_ms, 0) + " + " + num(f.decode_ms, 0) + " ms", "start", "axis");
    y += 28;
  }
  return s.done();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> StudyReport::charts() const {
  return {{"psnr_by_class.svg", class_bars(*this, "psnr", false)},
          {"fvd_by_class.svg", class_bars(*this, "fvd", true)},
          {"clips.svg", scatter(*this)},
          {"cost.svg", cost_bars(*this)}};
}

std::vector<fs::path> write_study_report(const fs::path& dir, const StudyReport& r) {
  std::vector<fs::path> out = {dir / "report.json", dir / "summary.csv", dir / "report.html"};
  write_file_atomic(out[0], json::dump(r.to_json(), 2) + "\n", true);
  write_file_atomic(out[1], r.summary_csv(), true);
  write_file_atomic(out[2], r.html(), true);
  for (const auto& [name, svg] : r.charts()) {
    if (svg.rfind("<svg", 0) != 0) continue;  // "not measured": no chart
    out.push_back(dir / name);
    write_file_atomic(out.back(), svg, true);
  }
  return out;
}

std::string StudyReport::html() const {
  std::string h =
      "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>WF-VAE norm study</title>\n<style>\n"
      "body{font-family:sans-serif;background:#16171b;color:#e1e4eb;margin:24px;max-width:900px}\n"
      "h1,h2{font-weight:600} .note{color:#969ba8} table{border-collapse:collapse;margin:8px 0}\n"
      "td,th{padding:4px 10px;border-bottom:1px solid #2c2f37;text-align:right} td:first-child,th:first-child"
      "{text-align:left}\n.axis{fill:#969ba8;font-size:12px} .grid{stroke:#ffffff22} .whisker{stroke:#e1e4eb;"
      "stroke-width:1.5} .threshold{stroke:#969ba8;stroke-dasharray:4 4}\n"
      ".v{padding:2px 8px;border-radius:4px;color:#16171b;font-weight:600} .holds{background:#5cc878} "
      ".does-not-hold{background:#e05a5a} .within-noise,.partly{background:#f0be3c} "
      ".not-measured,.not-testable{background:#969ba8}\n.key span{display:inline-block;width:12px;height:12px;"
      "margin:0 6px 0 14px;vertical-align:-1px}\n</style></head><body>\n<h1>WF-VAE norm study</h1>\n";
  int clips = static_cast<int>(clip_classes.size());
  h += "<p class=\"note\">" + std::to_string(clips) + " clips, " + std::to_string(settings.size()) +
       " settings. Motion classes by " +
       (thresholds.terciles ? std::string("the terciles of the clips' motion scores")
                            : std::string("given thresholds")) +
       ": static &le; " + num(thresholds.static_max, 3) + " &lt; moderate &le; " + num(thresholds.dynamic_min, 3) +
       " &lt; dynamic (mean absolute difference of consecutive frames, 8-bit levels); one-frame inputs are images."
       "</p>\n<p class=\"key\">";
  for (size_t i = 0; i < settings.size(); ++i)
    h += "<span style=\"background:" + std::string(kPalette[i % 8]) + "\"></span>" + esc(settings[i].setting.label());
  h += "</p>\n<h2>The article's claims</h2>\n<table><tr><th>claim</th><th>comparison</th><th>verdict</th>"
       "<th>evidence</th></tr>\n";
  for (const auto& c : claims) {
    std::string cls = c.verdict;
    std::replace(cls.begin(), cls.end(), ' ', '-');
    h += "<tr><td>" + esc(c.claim) + "</td><td>" + esc(c.comparison) + "</td><td><span class=\"v " + cls +
         "\" data-verdict=\"" + esc(c.verdict) + "\">" + esc(c.verdict) + "</span></td><td style=\"text-align:left\">" +
         esc(c.evidence) + "</td></tr>\n";
  }
  const auto c = charts();
  h += "</table>\n<h2>PSNR per motion class</h2>\n" + c[0].second + "<h2>FVD per motion class</h2>\n" + c[1].second +
       "<h2>Every clip</h2>\n" + c[2].second + "<h2>Memory and time</h2>\n" + c[3].second +
       "<h2>The table</h2>\n<table><tr><th>setting</th><th>class</th><th>clips</th><th>PSNR</th><th>&plusmn;</th>"
       "<th>SSIM</th><th>LPIPS</th><th>FVD</th></tr>\n";
  for (const auto& f : settings) {
    auto row = [&](const std::string& cls, int n, const Spread& p, const Spread& s, const Spread& l, double fvd) {
      h += "<tr><td>" + esc(f.setting.label()) + "</td><td>" + cls + "</td><td>" + std::to_string(n) + "</td><td>" +
           num(p.mean, 4) + "</td><td>" + (p.n > 1 ? num(p.std, 4) : "") + "</td><td>" + num(s.mean, 5) + "</td><td>" +
           (l.n ? num(l.mean, 5) : "") + "</td><td>" + num(fvd, 3) + "</td></tr>\n";
    };
    row("all", f.clips, f.psnr, f.ssim, f.lpips, f.fvd);
    for (const auto& k : f.classes) row(k.motion_class, k.clips, k.psnr, k.ssim, k.lpips, k.fvd);
  }
  h += "</table>\n<p class=\"note\">summary.csv and report.json hold these figures; report.json also every row.</p>\n"
       "</body></html>\n";
  return h;
}

}  // namespace wfvae::pipeline
