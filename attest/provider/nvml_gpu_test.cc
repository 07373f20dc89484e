#include "attest/provider/nvml_gpu.h"

#include <gtest/gtest.h>

namespace cloister::attest {
namespace {

TEST(NvmlGpuProvider, WithoutAGpuSaysSoClearly) {
  auto provider = NvmlGpuProvider::open();
  if (provider.ok()) GTEST_SKIP() << "this machine has an NVIDIA GPU";
  EXPECT_EQ(provider.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(provider.error().message().find("no NVIDIA GPU evidence"), std::string::npos)
      << provider.error().message();
}

TEST(NvmlGpuProvider, MissingLibraryIsUnavailable) {
  auto provider = NvmlGpuProvider::open("/nonexistent/libnvidia-ml.so.1");
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(provider.error().message().find("no NVIDIA driver"), std::string::npos);
}

TEST(NvmlGpuProvider, LibraryWithoutNvmlSymbolsIsUnsupported) {
  // libc loads fine but has no NVML entry points.
  auto provider = NvmlGpuProvider::open("libc.so.6");
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.error().code(), ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace cloister::attest
