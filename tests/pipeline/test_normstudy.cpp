// The norm study's pieces (pipeline/normstudy.h, normstudy_report.h): settings and their
// refusals, the motion score and classes, and the claims' verdicts on made-up rows.
#include <gtest/gtest.h>

#include <cmath>

#include "common/errors.h"
#include "core/error.h"
#include "pipeline/normstudy.h"
#include "pipeline/normstudy_report.h"

using namespace wfvae;
using namespace wfvae::pipeline;

namespace {

media::RgbFrame flat_frame(uint8_t v) {
  media::RgbFrame f;
  f.width = 4;
  f.height = 2;
  f.rgb.assign(24, v);
  return f;
}

StudyRow row(const StudySetting& s, const std::string& clip, double psnr, double motion, int64_t peak) {
  StudyRow r;
  r.setting = s.key();
  r.clip = clip;
  r.frames = 9;
  r.psnr = psnr;
  r.ssim = 0.5;
  r.lpips = NAN;
  r.motion = motion;
  r.peak_bytes = peak;
  return r;
}

}  // namespace

TEST(NormStudy, SettingsAsTrainedOrOverriddenAndRefusedBeforeWork) {
  const StudySetting gn = parse_study_setting("wfvae-tiny-gn");
  EXPECT_EQ(gn.key(), "wfvae-tiny-gn:groupnorm:8");
  EXPECT_TRUE(gn.trained);
  const StudySetting ln = parse_study_setting("wfvae-tiny-gn:layernorm");
  EXPECT_EQ(ln.key(), "wfvae-tiny-gn:layernorm");
  EXPECT_FALSE(ln.trained);
  EXPECT_NE(ln.label().find("override"), std::string::npos);
  EXPECT_EQ(parse_study_setting("wfvae-tiny-gn:groupnorm:2").key(), "wfvae-tiny-gn:groupnorm:2");
  const std::string m =
      error_message([] { parse_study_setting("wfvae-tiny-gn:groupnorm:5"); }, ErrorKind::Usage, "5 groups taken");
  EXPECT_NE(m.find("wfvae-tiny-gn"), std::string::npos) << m;
  EXPECT_NE(m.find("valid values"), std::string::npos) << m;
  error_message([] { parse_study_setting("wfvae-tiny-gn:groupnorm:x"); }, ErrorKind::Usage);
  error_message([] { parse_study_setting("no-such-model"); }, ErrorKind::BadInput);
}

TEST(NormStudy, MotionScoreAndClasses) {
  EXPECT_DOUBLE_EQ(motion_score({flat_frame(10), flat_frame(13), flat_frame(13)}), 1.5);
  EXPECT_TRUE(std::isnan(motion_score({flat_frame(10)})));
  // numpy.quantile([1..9], [1/3, 2/3]) = 3.667, 6.333
  const MotionThresholds t = tercile_thresholds({9, 1, 2, 3, 4, 5, 6, 7, 8, NAN});
  EXPECT_NEAR(t.static_max, 11.0 / 3, 1e-12);
  EXPECT_NEAR(t.dynamic_min, 19.0 / 3, 1e-12);
  EXPECT_EQ(motion_class(3, 9, t), "static");
  EXPECT_EQ(motion_class(5, 9, t), "moderate");
  EXPECT_EQ(motion_class(7, 9, t), "dynamic");
  EXPECT_EQ(motion_class(NAN, 1, t), "image");
}

// LayerNorm 1 dB ahead on every static clip (a tiny spread): holds; GroupNorm 30% lighter:
// holds; no features: claim 1 not measured; a duplicate error row loses to the ok one.
TEST(NormStudy, VerdictsFollowThePairedDifferencesAndTheMemoryRatio) {
  const StudySetting gn = parse_study_setting("wfvae-tiny-gn"), ln = parse_study_setting("wfvae-tiny-ln");
  std::vector<StudyRow> rows;
  for (int i = 0; i < 6; ++i) {
    const std::string clip = "c" + std::to_string(i);
    const double motion = i < 3 ? 0.5 : 5.0 + i, base = 20 + i + 0.01 * (i % 2);
    rows.push_back(row(gn, clip, base, motion, 70 << 20));
    rows.push_back(row(ln, clip, base + (i < 3 ? 1.0 : -0.1), motion, 100 << 20));
  }
  StudyRow bad = row(gn, "c0", NAN, NAN, 0);
  bad.status = "error";
  rows.insert(rows.begin(), bad);
  const StudyReport rep = build_study_report(rows, {gn, ln}, std::make_pair(1.0, 4.0));
  ASSERT_EQ(rep.settings.size(), 2u);
  EXPECT_EQ(rep.settings[0].clips, 6);
  EXPECT_EQ(rep.settings[0].failed, 0);
  ASSERT_EQ(rep.claims.size(), 3u);
  EXPECT_EQ(rep.claims[0].verdict, "not measured");
  EXPECT_EQ(rep.claims[1].verdict, "holds") << rep.claims[1].evidence;
  EXPECT_EQ(rep.claims[2].verdict, "holds") << rep.claims[2].evidence;
  EXPECT_NE(rep.claims[2].evidence.find("30.0% less"), std::string::npos) << rep.claims[2].evidence;
  // The same rows with LayerNorm behind on static clips: does not hold.
  for (auto& r : rows)
    if (r.setting == ln.key() && r.motion < 1) r.psnr -= 2;
  EXPECT_EQ(build_study_report(rows, {gn, ln}, std::make_pair(1.0, 4.0)).claims[1].verdict, "does not hold");
  // Without a LayerNorm setting nothing is testable.
  const StudyReport only_gn = build_study_report(rows, {gn});
  for (const auto& c : only_gn.claims) EXPECT_EQ(c.verdict, "not testable");
  EXPECT_EQ(only_gn.ignored_rows, 6);
}
