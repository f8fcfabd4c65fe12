// WF-VAE model: checkpoint keys, strict loading, norm overrides, chunk planning,
// chunked-vs-direct behaviour, input validation, progress and cancellation.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <set>

#include "common/errors.h"
#include "common/small_config.h"
#include "common/temp_dir.h"
#include "core/error.h"
#include "core/safetensors.h"
#include "model/loader.h"
#include "model/wfvae_model.h"
#include "runtime/vae.h"
#include "runtime/vae_impl.h"

using namespace wfvae;
namespace fs = std::filesystem;

namespace {

ModelConfig small_config(const std::string& norm = "groupnorm") { return small_model_config(16, norm, 8); }

HostTensor random_video(int t, int h, int w, uint64_t seed = 3) {
  at::Tensor v = at::rand({1, 3, t, h, w}, at::detail::createCPUGenerator(seed)) * 2 - 1;
  return to_host(v);
}

double max_abs_diff(const HostTensor& a, const HostTensor& b) {
  EXPECT_EQ(a.shape, b.shape);
  double m = 0;
  for (size_t i = 0; i < a.data.size(); ++i) m = std::max(m, static_cast<double>(std::fabs(a.data[i] - b.data[i])));
  return m;
}

bool contains(const std::string& s, const std::string& p) { return s.find(p) != std::string::npos; }

// Rewrites a checkpoint with an edit applied to its tensor list.
void rewrite(const fs::path& in, const fs::path& out,
             const std::function<void(std::vector<StTensorToWrite>&, std::vector<std::vector<float>>&)>& edit) {
  SafetensorsReader r(in);
  std::vector<std::vector<float>> data;
  std::vector<StTensorToWrite> t;
  for (const auto& e : r.entries()) data.push_back(r.read_float(e));
  size_t i = 0;
  for (const auto& e : r.entries()) t.push_back({e.name, StDType::F32, e.shape, data[i++].data()});
  edit(t, data);
  write_safetensors(out, t, {}, true);
}

}  // namespace

TEST(Model, CheckpointKeysFollowPyTorchNames) {
  model::WFVAEModel m(small_config());
  std::set<std::string> keys;
  for (auto& nt : m.named_tensors()) keys.insert(nt.name);
  for (const char* k :
       {"encoder.down1.0.weight", "encoder.down1.1.norm1.weight", "encoder.down1.2.conv.weight",
        "encoder.down2.2.conv.conv.weight", "encoder.mid.0.nin_shortcut.conv.weight", "encoder.mid.1.q.conv.weight",
        "encoder.conv_out.conv.bias", "encoder.wavelet_transform_in.gh_v_conv.conv.weight",
        "encoder.wavelet_transform_l1.dd", "decoder.up2.1.conv.conv.weight", "decoder.up1.1.conv.weight",
        "decoder.mid.1.proj_out.conv.bias", "decoder.connect_l1.1.weight", "decoder.connect_l2.0.norm2.bias",
        "decoder.conv_out.weight", "decoder.inverse_wavelet_transform_out.hh_v",
        "decoder.inverse_wavelet_transform_l1.aa"})
    EXPECT_TRUE(keys.count(k)) << k;
  m.set_norm("layernorm", 8);
  std::set<std::string> ln;
  for (auto& nt : m.named_tensors()) ln.insert(nt.name);
  EXPECT_TRUE(ln.count("encoder.mid.0.norm1.norm.weight"));
  EXPECT_FALSE(ln.count("encoder.mid.0.norm1.weight"));
}

TEST(Model, NormalizedChannelCountsMatchTheBuiltModel) {
  for (const char* norm : {"groupnorm", "layernorm"}) {
    ModelConfig c = small_config(norm);
    c.decoder_energy_flow_hidden_size = 24;
    c.norm_num_groups = 8;
    model::WFVAEModel m(c);
    std::set<int> built;
    for (auto* n : m.norm_layers()) built.insert(n->channels);
    EXPECT_EQ(std::vector<int>(built.begin(), built.end()), c.normalized_channel_counts()) << norm;
  }
}

TEST(Model, SaveLoadRoundTripInEveryStorageDtype) {
  TempDir dir;
  auto vae = Vae::random(small_config(), 11);
  HostTensor x = random_video(5, 16, 16);
  EncodeResult ref = vae->encode(x);
  for (const char* dt : {"f32", "f16", "bf16"}) {
    fs::path p = dir.path() / dt;
    vae->save(p, dt, false);
    auto loaded = Vae::load(p);
    EXPECT_TRUE(loaded->load_report().clean());
    EXPECT_EQ(loaded->load_report().stored_dtype, std::string(dt) == "f32"   ? "F32"
                                                  : std::string(dt) == "f16" ? "F16"
                                                                             : "BF16");
    EXPECT_EQ(loaded->num_parameters(), vae->num_parameters());
    EncodeResult got = loaded->encode(x);
    const double tol = std::string(dt) == "f32" ? 1e-6 : std::string(dt) == "f16" ? 2e-2 : 2e-1;
    EXPECT_LT(max_abs_diff(got.mean, ref.mean), tol) << dt;
  }
  // Saving over an existing folder needs permission.
  EXPECT_THROW(vae->save(dir.path() / "f32", "f32", false), Error);
}

TEST(Model, StrictLoadReportsMissingUnexpectedAndMismatched) {
  TempDir dir;
  auto vae = Vae::random(small_config(), 1);
  fs::path good = dir.path() / "good";
  vae->save(good, "f32", false);
  auto copy_config = [&](const fs::path& d) {
    fs::create_directories(d);
    fs::copy_file(good / "config.json", d / "config.json");
  };
  const fs::path weights = good / "diffusion_pytorch_model.safetensors";

  fs::path missing = dir.path() / "missing";
  copy_config(missing);
  rewrite(weights, missing / "diffusion_pytorch_model.safetensors", [](auto& t, auto&) {
    t.erase(std::remove_if(t.begin(), t.end(), [](auto& x) { return x.name == "decoder.conv_out.bias"; }), t.end());
  });
  std::string m = error_message([&] { Vae::load(missing); }, ErrorKind::BadInput);
  EXPECT_TRUE(contains(m, "1 missing")) << m;
  EXPECT_TRUE(contains(m, "decoder.conv_out.bias")) << m;
  EXPECT_TRUE(contains(m, (missing / "diffusion_pytorch_model.safetensors").string())) << m;

  fs::path unexpected = dir.path() / "unexpected";
  copy_config(unexpected);
  static float extra[2] = {1, 2};
  rewrite(weights, unexpected / "diffusion_pytorch_model.safetensors", [](auto& t, auto&) {
    t.push_back({"decoder.extra_head.weight", StDType::F32, {2}, extra});
  });
  m = error_message([&] { Vae::load(unexpected); }, ErrorKind::BadInput);
  EXPECT_TRUE(contains(m, "1 unexpected")) << m;
  EXPECT_TRUE(contains(m, "decoder.extra_head.weight")) << m;

  fs::path shape = dir.path() / "shape";
  copy_config(shape);
  rewrite(weights, shape / "diffusion_pytorch_model.safetensors", [](auto& t, auto&) {
    for (auto& x : t)
      if (x.name == "encoder.conv_out.conv.bias") x.shape = {2, 4};  // same bytes, wrong shape
  });
  m = error_message([&] { Vae::load(shape); }, ErrorKind::BadInput);
  EXPECT_TRUE(contains(m, "encoder.conv_out.conv.bias: file [2, 4] vs model [8]")) << m;

  // Constant Haar filters may be absent: the load succeeds and says they are built in.
  fs::path noconst = dir.path() / "noconst";
  copy_config(noconst);
  rewrite(weights, noconst / "diffusion_pytorch_model.safetensors", [](auto& t, auto&) {
    t.erase(std::remove_if(t.begin(), t.end(), [](auto& x) { return x.name.find("wavelet") != std::string::npos; }),
            t.end());
  });
  auto ok = Vae::load(noconst);
  EXPECT_EQ(ok->load_report().constants_present, 0);
  EXPECT_EQ(ok->load_report().constants_absent, 8 + 8 + 4 + 8 + 4 + 8);
}

TEST(Model, NormTypeMismatchBetweenConfigAndWeightsIsExplained) {
  TempDir dir;
  auto vae = Vae::random(small_config("layernorm"), 2);
  fs::path p = dir.path() / "ln";
  vae->save(p, "f32", false);
  // Claim groupnorm in config.json while the weights carry layernorm keys.
  std::string cfg = json::dump(small_config("groupnorm").to_json(), 2);
  std::ofstream(p / "config.json") << cfg;
  std::string m = error_message([&] { Vae::load(p); }, ErrorKind::BadInput);
  EXPECT_TRUE(contains(m, "look like layernorm")) << m;
}

TEST(Model, NumGroupsOverrideIsValidatedAndChangesTheResult) {
  auto vae = Vae::random(small_config(), 5);
  std::string m = error_message([&] { vae->set_norm("groupnorm", 3); }, ErrorKind::Usage);
  EXPECT_TRUE(contains(m, "valid values: 1, 2, 4, 8, 16")) << m;
  error_message([&] { vae->set_norm("instancenorm", 8); }, ErrorKind::Usage);
  HostTensor x = random_video(5, 16, 16);
  HostTensor a = vae->encode(x).mean;
  std::string msg = vae->set_norm("groupnorm", 4);
  EXPECT_TRUE(contains(msg, "trained with groupnorm(8)")) << msg;
  HostTensor b = vae->encode(x).mean;
  EXPECT_GT(max_abs_diff(a, b), 1e-4);
  EXPECT_TRUE(contains(vae->set_norm("groupnorm", 8), "the setting the weights were trained with"));
  EXPECT_LT(max_abs_diff(a, vae->encode(x).mean), 1e-6);
  EXPECT_EQ(vae->set_norm("groupnorm", 8), "");  // no change, no message
}

TEST(Model, NormTypeRemapKeepsTensorsAndRenamesKeys) {
  TempDir dir;
  auto vae = Vae::random(small_config("groupnorm"), 9);
  std::string msg = vae->set_norm("layernorm", 8);
  EXPECT_TRUE(contains(msg, "now read as \"...norm.weight/bias\"")) << msg;
  EXPECT_TRUE(contains(msg, "trained with groupnorm(8)")) << msg;
  EXPECT_EQ(vae->config().norm_type, "layernorm");
  EXPECT_EQ(vae->trained_config().norm_type, "groupnorm");
  // Saved after the switch, the model is a layernorm checkpoint that loads strictly.
  fs::path p = dir.path() / "remapped";
  vae->save(p, "f32", false);
  SafetensorsReader r(p / "diffusion_pytorch_model.safetensors");
  EXPECT_TRUE(r.find("decoder.norm_out.norm.weight"));
  EXPECT_FALSE(r.find("decoder.norm_out.weight"));
  auto loaded = Vae::load(p);
  EXPECT_EQ(loaded->config().norm_type, "layernorm");
  HostTensor x = random_video(5, 16, 16);
  EXPECT_LT(max_abs_diff(vae->encode(x).mean, loaded->encode(x).mean), 1e-6);
}

TEST(Model, ChunkPlansFollowTheReference) {
  model::WFVAEModel m(small_config());
  auto p = m.plan_chunks(9);
  EXPECT_EQ(p.t_chunk_enc, 4);
  EXPECT_EQ(p.t_chunk_dec, 2);
  EXPECT_EQ(p.encoder_chunks, (std::vector<std::pair<int, int>>{{0, 1}, {1, 5}, {5, 9}}));
  EXPECT_EQ(p.decoder_chunks, (std::vector<std::pair<int, int>>{{0, 1}, {1, 3}}));
  auto q = m.plan_chunks(13);  // 4 latent frames: (4-1) % 2 == 1 doubles the decoder chunk
  EXPECT_EQ(q.t_chunk_dec, 4);
  EXPECT_EQ(q.decoder_chunks, (std::vector<std::pair<int, int>>{{0, 1}, {1, 4}}));
  std::string msg = error_message([&] { m.plan_chunks(5); }, ErrorKind::Usage);
  EXPECT_TRUE(contains(msg, "without --chunked")) << msg;
  error_message([&] { m.plan_chunks(1); }, ErrorKind::Usage);
  ModelConfig c8 = small_config();
  c8.l1_dowmsample_block = "Spatial2xTime2x3DDownsample";
  c8.l1_downsample_wavelet = "HaarWaveletTransform3D";
  c8.l1_upsample_block = "Spatial2xTime2x3DUpsample";
  c8.l1_upsample_wavelet = "InverseHaarWaveletTransform3D";
  model::WFVAEModel m8(c8);
  auto r = m8.plan_chunks(33);
  EXPECT_EQ(r.t_chunk_enc, 8);
  EXPECT_EQ(r.decoder_chunks.size(), 3u);
}

TEST(Model, ChunkedEqualsDirectForLayerNormButNotGroupNorm) {
  // LayerNorm has no statistics across time, so the causal-cache chunked path must
  // reproduce the direct run; GroupNorm's statistics are per chunk, so it differs.
  HostTensor x = random_video(17, 16, 16, 21);
  RunOptions chunked;
  chunked.chunked = true;
  {
    auto vae = Vae::random(small_config("layernorm"), 4);
    EncodeResult d = vae->encode(x), c = vae->encode(x, chunked);
    EXPECT_LT(max_abs_diff(d.mean, c.mean), 1e-5);
    EXPECT_LT(max_abs_diff(vae->decode(d.mean).video, vae->decode(d.mean, chunked).video), 1e-5);
  }
  {
    auto vae = Vae::random(small_config("groupnorm"), 4);
    EncodeResult d = vae->encode(x), c = vae->encode(x, chunked);
    EXPECT_GT(max_abs_diff(d.mean, c.mean), 1e-4);
  }
}

TEST(Model, ChunkedDecodeStreamsFramesInOrder) {
  auto vae = Vae::random(small_config("layernorm"), 4);
  HostTensor x = random_video(17, 16, 16);
  EncodeResult e = vae->encode(x);
  RunOptions o;
  o.chunked = true;
  o.keep_taps = true;
  std::vector<std::pair<int64_t, int64_t>> got;
  o.on_frames = [&](int64_t first, const HostTensor& f) { got.emplace_back(first, f.shape[2]); };
  DecodeResult d = vae->decode(e.mean, o);
  ASSERT_EQ(got.size(), 3u);  // latent chunks [0,1), [1,3), [3,5)
  EXPECT_EQ(got[0], (std::pair<int64_t, int64_t>{0, 1}));
  EXPECT_EQ(got[1], (std::pair<int64_t, int64_t>{1, 8}));
  EXPECT_EQ(got[2], (std::pair<int64_t, int64_t>{9, 8}));
  // Energy-flow taps of the chunked run have the direct run's shapes.
  RunOptions direct;
  direct.keep_taps = true;
  DecodeResult dd = vae->decode(e.mean, direct);
  EXPECT_EQ(d.l1_coeffs.shape, dd.l1_coeffs.shape);
  EXPECT_EQ(d.l2_coeffs.shape, dd.l2_coeffs.shape);
  EXPECT_LT(max_abs_diff(d.l2_coeffs, dd.l2_coeffs), 1e-5);
}

TEST(Model, VideoShapeErrorsExplainValidCounts) {
  auto vae = Vae::random(small_config(), 1);
  std::string m = error_message([&] { vae->encode(HostTensor({1, 3, 10, 16, 16})); }, ErrorKind::Usage);
  EXPECT_TRUE(contains(m, "10 frames")) << m;
  EXPECT_TRUE(contains(m, "1 + 4k")) << m;
  EXPECT_TRUE(contains(m, "nearest below: 9, above: 13")) << m;
  m = error_message([&] { vae->encode(HostTensor({1, 3, 9, 20, 16})); }, ErrorKind::Usage);
  EXPECT_TRUE(contains(m, "multiples of 8")) << m;
  m = error_message([&] { vae->decode(HostTensor({1, 3, 3, 2, 2})); }, ErrorKind::Usage);
  EXPECT_TRUE(contains(m, "expected a latent [1, 4,")) << m;
}

TEST(Model, ProgressAndCancel) {
  auto vae = Vae::random(small_config(), 1);
  HostTensor x = random_video(9, 16, 16);
  RunOptions o;
  double last = 0;
  int calls = 0;
  o.progress = [&](double f, const std::string&) {
    EXPECT_GE(f, last);
    last = f;
    ++calls;
  };
  vae->encode(x, o);
  EXPECT_GT(calls, 5);
  EXPECT_DOUBLE_EQ(last, 1.0);
  CancelToken cancel;
  RunOptions c;
  c.cancel = &cancel;
  int steps = 0;
  c.progress = [&](double, const std::string&) {
    if (++steps == 3) cancel.cancel();
  };
  error_message([&] { vae->encode(x, c); }, ErrorKind::Cancelled);
  EXPECT_EQ(steps, 3);
  // The model is usable after a cancelled run.
  cancel.reset();
  EXPECT_NO_THROW(vae->encode(x));
}

TEST(Model, SamplingIsSeededAndClampedLogvarIsUsed) {
  auto vae = Vae::random(small_config(), 1);
  EncodeResult e = vae->encode(random_video(5, 16, 16));
  for (float v : e.logvar.data) {
    EXPECT_GE(v, -30.f);
    EXPECT_LE(v, 20.f);
  }
  HostTensor a = vae->sample(e, 42), b = vae->sample(e, 42), c = vae->sample(e, 43);
  EXPECT_EQ(a.data, b.data);
  EXPECT_NE(a.data, c.data);
}

TEST(Model, Bf16RunsOnCpuAndStaysClose) {
  auto vae = Vae::random(small_config(), 1);
  HostTensor x = random_video(5, 16, 16);
  HostTensor ref = vae->encode(x).mean;
  vae->to(Device::CPU, ComputeDType::BF16);
  EXPECT_LT(max_abs_diff(vae->encode(x).mean, ref), 0.1);
}

TEST(Model, NonFiniteWeightsAreRefusedAtLoadAndNonFiniteOutputsNeverReturned) {
  TempDir dir;
  auto vae = Vae::random(small_config(), 12);
  vae->save(dir.path() / "good", "f32", false);
  fs::create_directories(dir.path() / "bad");
  fs::copy_file(dir.path() / "good" / "config.json", dir.path() / "bad" / "config.json");
  rewrite(dir.path() / "good" / "diffusion_pytorch_model.safetensors",
          dir.path() / "bad" / "diffusion_pytorch_model.safetensors", [](auto& t, auto& data) {
            for (size_t i = 0; i < t.size(); ++i)
              if (t[i].name == "decoder.conv_in.conv.weight")
                data[i][3] = std::numeric_limits<float>::infinity();
              else if (t[i].name == "decoder.conv_out.bias")
                data[i].assign(data[i].size(), NAN);
          });
  const std::string msg = error_message([&] { Vae::load(dir.path() / "bad"); }, ErrorKind::BadInput);
  EXPECT_TRUE(contains(msg, "2 tensors hold NaN or Inf")) << msg;
  EXPECT_TRUE(contains(msg, "decoder.conv_in.conv.weight: 1 of")) << msg;
  EXPECT_TRUE(contains(msg, "decoder.conv_out.bias: ")) << msg;

  // Weights that go bad after loading (or an f16 overflow): the run fails, saying so.
  auto good = Vae::load(dir.path() / "good");
  for (auto& nt : good->impl().model->named_tensors())
    if (nt.name == "decoder.conv_out.bias") nt.tensor->fill_(NAN);
  const EncodeResult enc = good->encode(random_video(5, 16, 16));
  const std::string run_msg = error_message([&] { good->decode(enc.mean); }, ErrorKind::Runtime);
  EXPECT_TRUE(contains(run_msg, "the reconstruction has")) << run_msg;
  EXPECT_TRUE(contains(run_msg, "non-finite values (NaN/Inf)")) << run_msg;
}
