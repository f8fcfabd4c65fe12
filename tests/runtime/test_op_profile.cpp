// The operator/scope profiler behind `wfvae bench --profile`, and the inference fast
// paths it was used to find (oneDNN convolutions, SiLU written into the causal
// padding): they must compute what the autograd path (the reference's arithmetic)
// computes, and they must be the paths actually taken.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <stdexcept>

#include "common/small_config.h"
#include "model/wfvae_model.h"
#include "runtime/op_profile.h"

using namespace wfvae;
using wfvae::profiling::OpProfile;
using wfvae::profiling::ProfileEntry;

namespace {

const ProfileEntry* find(const std::vector<ProfileEntry>& es, const std::string& name) {
  auto it = std::find_if(es.begin(), es.end(), [&](const ProfileEntry& e) { return e.name == name; });
  return it == es.end() ? nullptr : &*it;
}

at::Tensor video(int t, int h, int w) { return at::rand({1, 3, t, h, w}, at::detail::createCPUGenerator(11)) * 2 - 1; }

at::Tensor mean_of(const at::Tensor& moments) { return moments.narrow(1, 0, moments.size(1) / 2); }

struct Outputs {
  at::Tensor z, y, z_chunked, y_chunked;
};

Outputs run(model::WFVAEModel& m, const at::Tensor& x) {
  const auto plan = m.plan_chunks(static_cast<int>(x.size(2)));
  Outputs o;
  o.z = m.encode(x);  // mean and log-variance
  o.y = m.decode(mean_of(o.z));
  o.z_chunked = m.encode_chunked(x, plan);
  o.y_chunked = m.decode_chunked(mean_of(o.z), plan);
  return o;
}

}  // namespace

TEST(OpProfile, TimesTheDecodersSectionsModulesAndOperators) {
  model::WFVAEModel m(small_model_config(16, "groupnorm", 8));
  m.init_random(3);
  at::NoGradGuard no_grad;
  const at::Tensor z = mean_of(m.encode(video(9, 32, 32)));
  OpProfile profile;
  m.decode(z);
  const auto entries = profile.finish();
  for (const char* section : {"decoder.conv_in", "decoder.mid", "decoder.up2", "decoder.up1", "decoder.layer",
                              "decoder.inverse_wavelet_transform_out"}) {
    const ProfileEntry* e = find(entries, section);
    ASSERT_NE(e, nullptr) << section;
    EXPECT_TRUE(e->scope);
    EXPECT_EQ(e->calls, 1) << section;
    EXPECT_GT(e->total_ms, 0) << section;
  }
  const ProfileEntry* conv = find(entries, "CausalConv3d");
  ASSERT_NE(conv, nullptr);
  EXPECT_GT(conv->calls, 10);  // every ResnetBlock3D has two
  double op_self = 0, biggest_section = 0;
  for (const auto& e : entries) {
    EXPECT_LE(e.self_ms, e.total_ms + 1e-9) << e.name;
    if (!e.scope) op_self += e.self_ms;
    if (e.scope && e.name.rfind("decoder.", 0) == 0) biggest_section = std::max(biggest_section, e.total_ms);
  }
  EXPECT_GT(op_self, 0);
  EXPECT_GE(op_self + 1e-6, 0.5 * biggest_section);  // the operators are where the sections' time goes
  const std::string table = profiling::format_profile(entries);
  EXPECT_NE(table.find("decoder.up2"), std::string::npos);
  EXPECT_NE(table.find("aten::"), std::string::npos);
}

TEST(OpProfile, OneAtATimeAndNothingRecordedAfterFinish) {
  OpProfile first;
  EXPECT_THROW(OpProfile second, std::logic_error);
  at::ones({4}) + 1;
  const auto recorded = first.finish();
  EXPECT_NE(find(recorded, "aten::add"), nullptr);
  at::ones({4}) * 2;
  EXPECT_EQ(find(first.finish(), "aten::mul"), nullptr);
  OpProfile again;  // the thread is free again
}

TEST(OpProfile, InferenceFastPathsMatchTheAutogradPathAndAreTaken) {
  for (const char* norm : {"groupnorm", "layernorm"}) {
    model::WFVAEModel m(small_model_config(16, norm, 8));
    m.init_random(5);
    const at::Tensor x = video(17, 32, 32);
    Outputs fast, reference;
    std::vector<ProfileEntry> fast_ops, reference_ops;
    {
      at::NoGradGuard no_grad;
      OpProfile p;
      fast = run(m, x);
      fast_ops = p.finish();
    }
    {
      at::AutoGradMode grad(true);  // the training path: x * sigmoid(x), cat, frame stacking
      OpProfile p;
      reference = run(m, x);
      reference_ops = p.finish();
    }
    auto close = [&](const at::Tensor& a, const at::Tensor& b, const char* what) {
      ASSERT_EQ(a.sizes(), b.sizes()) << norm << " " << what;
      const double err = (a - b).abs().max().item<double>(), scale = b.abs().max().item<double>();
      EXPECT_LT(err, 1e-4 * std::max(1.0, scale)) << norm << " " << what;
    };
    close(fast.z, reference.z, "latent");
    close(fast.y, reference.y, "reconstruction");
    close(fast.z_chunked, reference.z_chunked, "chunked latent");
    close(fast.y_chunked, reference.y_chunked, "chunked reconstruction");
    EXPECT_NE(find(fast_ops, "aten::silu"), nullptr) << norm;
    EXPECT_EQ(find(fast_ops, "aten::sigmoid"), nullptr) << norm;
    EXPECT_NE(find(reference_ops, "aten::sigmoid"), nullptr) << norm;
    if (at::hasMKLDNN()) {
      const ProfileEntry* onednn = find(fast_ops, "aten::mkldnn_convolution");
      ASSERT_NE(onednn, nullptr) << norm;
      EXPECT_EQ(find(fast_ops, "aten::slow_conv3d_forward"), nullptr) << norm;
    }
  }
}
