// The torch-free Haar used by the studio must equal the model's transforms.
#include <gtest/gtest.h>

#include "common/small_config.h"
#include "core/haar.h"
#include "model/layers.h"
#include "runtime/vae_impl.h"

using namespace wfvae;

TEST(HaarCpu, MatchesTheModelTransforms) {
  at::Tensor x = at::randn({1, 3, 9, 16, 24});
  HostTensor hx = to_host(x);
  model::HaarWaveletTransform3D h3;
  model::HaarWaveletTransform2D h2;
  HostTensor a = haar::haar3d(hx), b = to_host(h3.forward(x));
  ASSERT_EQ(a.shape, b.shape);
  for (size_t i = 0; i < a.data.size(); ++i) ASSERT_NEAR(a.data[i], b.data[i], 1e-5) << i;
  HostTensor c = haar::haar2d(hx), d = to_host(h2.forward(x));
  ASSERT_EQ(c.shape, d.shape);
  for (size_t i = 0; i < c.data.size(); ++i) ASSERT_NEAR(c.data[i], d.data[i], 1e-5) << i;
}

TEST(HaarCpu, PyramidMatchesTheEncoderTaps) {
  const ModelConfig cfg = small_model_config(/*base_channels=*/8, "groupnorm", /*groups=*/4);
  auto vae = Vae::random(cfg, 1);
  at::Tensor x = at::rand({1, 3, 9, 16, 16}) * 2 - 1;
  RunOptions o;
  o.keep_taps = true;
  EncodeResult e = vae->encode(to_host(x), o);
  haar::Pyramid p = haar::energy_flow_pyramid(to_host(x), false);
  for (auto [mine, theirs] :
       {std::pair{&p.level0, &e.wavelet_in}, {&p.level1, &e.l1_coeffs}, {&p.level2, &e.l2_coeffs}}) {
    ASSERT_EQ(mine->shape, theirs->shape);
    for (size_t i = 0; i < mine->data.size(); ++i) ASSERT_NEAR(mine->data[i], theirs->data[i], 1e-4);
  }
  // Energy bookkeeping: per band sums add up to the total.
  auto en = haar::band_energy(p.level0, 3);
  ASSERT_EQ(en.size(), 8u);
  double total = 0, direct = 0;
  for (double v : en) total += v;
  for (float v : p.level0.data) direct += static_cast<double>(v) * v;
  EXPECT_NEAR(total, direct, 1e-6 * direct);
  // A constant video has all its energy in LLL.
  HostTensor flat({1, 3, 5, 8, 8}, 0.5f);
  auto fe = haar::band_energy(haar::haar3d(flat), 3);
  EXPECT_GT(fe[0], 0);
  for (int b = 1; b < 8; ++b) EXPECT_EQ(fe[b], 0.0) << haar::kBands3D[b];
}
