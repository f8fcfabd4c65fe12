// config.json parsing: every reference key, defaults, and clear errors for
// unknown or unsupported values.
#include <gtest/gtest.h>

#include <fstream>
#include <utility>
#include <vector>

#include "common/errors.h"
#include "common/temp_dir.h"
#include "core/config.h"
#include "core/error.h"

using namespace wfvae;

namespace {
ModelConfig parse(const std::string& text) { return ModelConfig::from_json(json::parse(text), "config.json"); }

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << text;
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST(Config, DefaultsAreTheReferenceConstructorDefaults) {
  ModelConfig c = parse("{}");
  EXPECT_EQ(c.latent_dim, 8);
  EXPECT_EQ(c.base_channels, 128);
  EXPECT_EQ(c.encoder_num_resblocks, 2);
  EXPECT_EQ(c.encoder_energy_flow_hidden_size, 64);
  EXPECT_EQ(c.decoder_energy_flow_hidden_size, 128);
  EXPECT_EQ(c.norm_type, "groupnorm");
  EXPECT_EQ(c.norm_num_groups, 32);
  EXPECT_EQ(c.t_interpolation, "nearest");
  EXPECT_EQ(c.temporal_compression(), 4);
  EXPECT_TRUE(c.use_attention);
}

TEST(Config, ReadsTheWfvaeLarge16ChannelConfig) {
  // examples/wfvae-large-16chn.json of the reference repository (values, not code).
  ModelConfig c = parse(R"({
    "_class_name": "WFVAEModel", "_diffusers_version": "0.30.2", "attention_type": "AttnBlock3DFix",
    "base_channels": 192, "connect_res_layer_num": 1, "decoder_energy_flow_hidden_size": 128,
    "decoder_num_resblocks": 2, "dropout": 0.0, "encoder_energy_flow_hidden_size": 128,
    "encoder_num_resblocks": 2, "l1_dowmsample_block": "Downsample", "l1_downsample_wavelet": "HaarWaveletTransform2D",
    "l1_upsample_block": "Upsample", "l1_upsample_wavelet": "InverseHaarWaveletTransform2D",
    "l2_dowmsample_block": "Spatial2xTime2x3DDownsample", "l2_downsample_wavelet": "HaarWaveletTransform3D",
    "l2_upsample_block": "Spatial2xTime2x3DUpsample", "l2_upsample_wavelet": "InverseHaarWaveletTransform3D",
    "latent_dim": 16, "norm_type": "layernorm", "scale": [0.18215, 0.18215, 0.18215, 0.18215],
    "shift": [0, 0, 0, 0], "t_interpolation": "trilinear", "use_attention": true})");
  EXPECT_EQ(c.base_channels, 192);
  EXPECT_EQ(c.latent_dim, 16);
  EXPECT_EQ(c.norm_type, "layernorm");
  EXPECT_EQ(c.t_interpolation, "trilinear");
  EXPECT_EQ(c.scale.size(), 4u);
  EXPECT_TRUE(c.unknown_keys.empty());
}

TEST(Config, EightTimesTemporalVariant) {
  ModelConfig c = parse(R"({"l1_dowmsample_block": "Spatial2xTime2x3DDownsample",
    "l1_downsample_wavelet": "HaarWaveletTransform3D", "l1_upsample_block": "Spatial2xTime2x3DUpsample",
    "l1_upsample_wavelet": "InverseHaarWaveletTransform3D"})");
  EXPECT_EQ(c.temporal_compression(), 8);
  EXPECT_TRUE(c.valid_frame_count(17));
  EXPECT_FALSE(c.valid_frame_count(13));
  EXPECT_EQ(c.latent_frames(33), 5);
  EXPECT_EQ(c.video_frames(5), 33);
}

TEST(Config, UnsupportedValuesListWhatIsSupported) {
  const std::pair<const char*, std::vector<const char*>> cases[] = {
      {R"({"norm_type": "batchnorm"})", {"norm_type", "groupnorm, layernorm"}},
      {R"({"t_interpolation": "cubic"})", {"nearest, trilinear"}},
      {R"({"attention_type": "AttnBlock2D"})", {"AttnBlock3DFix"}},
      {R"({"l1_dowmsample_block": "Spatial2x3DDownsample"})", {"level-1", "for 8x"}},
      {R"({"l2_upsample_wavelet": "InverseHaarWaveletTransform2D"})", {"level-2"}},
      {R"({"_class_name": "AutoencoderKL"})", {"not a WF-VAE"}},
  };
  for (const auto& [text, parts] : cases) {
    const std::string e = error_of(text);
    for (const char* part : parts) EXPECT_TRUE(contains(e, part)) << e;
  }
}

TEST(Config, TypeErrorsNameTheKey) {
  EXPECT_TRUE(contains(error_of(R"({"latent_dim": "8"})"), "\"latent_dim\": expected an integer"));
  EXPECT_TRUE(contains(error_of(R"({"latent_dim": 8.5})"), "latent_dim"));
  EXPECT_TRUE(contains(error_of(R"({"use_attention": 1})"), "expected true or false"));
  EXPECT_TRUE(contains(error_of(R"({"scale": [1, "x"]})"), "list of numbers"));
  EXPECT_TRUE(contains(error_of(R"({"base_channels": 0})"), "must be >= 1"));
  EXPECT_TRUE(contains(error_of(R"({"decoder_num_resblocks": 0})"), "decoder_num_resblocks"));
  EXPECT_TRUE(contains(error_of("[1]"), "must be a JSON object"));
}

TEST(Config, UnknownKeysAreReportedNotFatal) {
  ModelConfig c = parse(R"({"resolution": 256, "_name_or_path": "x"})");
  ASSERT_EQ(c.unknown_keys.size(), 1u);
  EXPECT_EQ(c.unknown_keys[0], "resolution");
}

TEST(Config, NumGroupsValidation) {
  ModelConfig c = parse(R"({"base_channels": 32, "encoder_energy_flow_hidden_size": 32,
                             "decoder_energy_flow_hidden_size": 32})");
  // Normalised channel counts: 32, 64, 96, 128, 160.
  EXPECT_EQ(c.normalized_channel_counts(), (std::vector<int>{32, 64, 96, 128, 160}));
  EXPECT_EQ(c.valid_num_groups(), (std::vector<int>{1, 2, 4, 8, 16, 32}));
  EXPECT_NO_THROW(c.check_num_groups(8));
  const std::string m = error_message([&] { c.check_num_groups(12); }, ErrorKind::Usage);
  EXPECT_TRUE(contains(m, "valid values: 1, 2, 4, 8, 16, 32")) << m;
  // norm_num_groups in config.json is validated the same way.
  std::string e = error_of(R"({"base_channels": 32, "encoder_energy_flow_hidden_size": 24, "norm_num_groups": 16})");
  EXPECT_TRUE(contains(e, "norm_num_groups")) << e;
  EXPECT_TRUE(contains(e, "valid: 1, 2, 4, 8")) << e;
  // A layernorm model does not care about groups.
  EXPECT_NO_THROW(parse(R"({"norm_type": "layernorm", "norm_num_groups": 7})"));
}

TEST(Config, JsonRoundTrip) {
  ModelConfig c = parse(R"({"latent_dim": 4, "base_channels": 16, "norm_num_groups": 8, "norm_type": "groupnorm",
                             "encoder_energy_flow_hidden_size": 16, "decoder_energy_flow_hidden_size": 16})");
  ModelConfig d = ModelConfig::from_json(json::parse(json::dump(c.to_json(), 2)), "roundtrip");
  EXPECT_EQ(d.latent_dim, 4);
  EXPECT_EQ(d.base_channels, 16);
  EXPECT_EQ(d.norm_num_groups, 8);
  EXPECT_EQ(json::dump(c.to_json()), json::dump(d.to_json()));
}

TEST(Config, ResolveModelFiles) {
  TempDir dir;
  auto p = dir.path();
  EXPECT_THROW(resolve_model_files(p / "missing"), Error);
  const std::string no_weights = error_message([&] { resolve_model_files(p); }, ErrorKind::BadInput);
  EXPECT_TRUE(contains(no_weights, "diffusion_pytorch_model.safetensors")) << no_weights;
  std::ofstream(p / "diffusion_pytorch_model.safetensors") << "x";
  const std::string no_config = error_message([&] { resolve_model_files(p); }, ErrorKind::BadInput);
  EXPECT_TRUE(contains(no_config, "config.json")) << no_config;
  std::ofstream(p / "config.json") << "{}";
  auto f = resolve_model_files(p);
  EXPECT_EQ(f.weights.filename(), "diffusion_pytorch_model.safetensors");
  auto g = resolve_model_files(p / "diffusion_pytorch_model.safetensors");
  EXPECT_EQ(g.config.filename(), "config.json");
}

TEST(Config, IntegersOutsideIntRangeAreRefusedAsWritten) {
  // They used to wrap: 2^32 + 16 loaded as 16, 1e12 as -727379968, 2^40 as 0.
  EXPECT_TRUE(contains(error_of(R"({"base_channels": 4294967312})"), "\"base_channels\": 4294967312 is out of range"));
  EXPECT_TRUE(
      contains(error_of(R"({"norm_num_groups": 4294967304})"), "\"norm_num_groups\": 4294967304 is out of range"));
  EXPECT_TRUE(
      contains(error_of(R"({"base_channels": 1000000000000})"), "\"base_channels\": 1000000000000 is out of range"));
  EXPECT_TRUE(contains(error_of(R"({"latent_dim": 1099511627776})"), "\"latent_dim\": 1099511627776 is out of range"));
  EXPECT_TRUE(contains(error_of(R"({"latent_dim": 1e300})"), "\"latent_dim\": expected an integer"));
}

// Found by the config fuzzer (scripts/fuzz, UBSan): base_channels 777777777 fits an
// int, but 4 * base_channels in the channel bookkeeping did not. Channel counts are
// now bounded where a real model is far below (WF-VAE-L: 192).
TEST(Config, ChannelCountsThatWouldOverflowAreRefused) {
  EXPECT_TRUE(contains(error_of(R"({"base_channels": 777777777, "conon": true})"),
                       "\"base_channels\": 777777777 is not supported (at most 65536)"));
  EXPECT_TRUE(contains(error_of(R"({"decoder_energy_flow_hidden_size": 2147483647})"),
                       "\"decoder_energy_flow_hidden_size\": 2147483647 is not supported"));
  EXPECT_TRUE(contains(error_of(R"({"latent_dim": 65537})"), "\"latent_dim\": 65537 is not supported"));
  EXPECT_NO_THROW(parse(
      R"({"base_channels": 65536, "encoder_energy_flow_hidden_size": 65536, "decoder_energy_flow_hidden_size": 65536})"));
}
