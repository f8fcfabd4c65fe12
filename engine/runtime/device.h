// Where and in what precision the model runs: the device and dtype names the CLI
// and the studio show and parse, CUDA availability (initialised lazily), and
// LibTorch's thread pool. No LibTorch in this header.
#pragma once

#include <string>

namespace wfvae {

enum class Device { CPU, CUDA };
enum class ComputeDType { F32, BF16, F16 };

const char* device_name(Device d);
const char* dtype_name(ComputeDType t);
// "cpu", "cuda", "auto" (CUDA when a GPU is usable, else CPU). Usage error otherwise.
Device parse_device(const std::string& s);
ComputeDType parse_dtype(const std::string& s);  // f32 | bf16 | f16
bool cuda_available();
// Why --device cuda cannot run here ("" when it can): no CUDA in this build, no
// driver, no device. Initialises CUDA on first use, like cuda_available().
std::string cuda_unavailable_reason();
// Uses every core for LibTorch's intra-op pool (its default here is 1 thread).
void init_runtime_threads();

}  // namespace wfvae
