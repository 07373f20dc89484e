#include "engine/gguf/gguf_writer.h"

#include <bit>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace cloister::engine {
namespace {

TEST(GgufWriter, MetadataOfEveryTypeRoundTrips) {
  GgufWriter writer;
  writer.set_uint8("u8", 200);
  writer.set_int8("i8", -100);
  writer.set_uint16("u16", 60000);
  writer.set_int16("i16", -30000);
  writer.set_uint32("u32", 4000000000u);
  writer.set_int32("i32", -2000000000);
  writer.set_uint64("u64", uint64_t{1} << 60);
  writer.set_int64("i64", -(int64_t{1} << 60));
  writer.set_float32("f32", 1.5f);
  writer.set_float64("f64", -2.25);
  writer.set_bool("yes", true);
  writer.set_string("text", "héllo");
  std::vector<std::string> strings = {"", "a", "bc"};
  writer.set_string_array("strings", strings);
  std::vector<float> floats = {0.5f, -1.0f};
  writer.set_float32_array("floats", floats);
  std::vector<int32_t> ints = {-1, 2, 3};
  writer.set_int32_array("ints", ints);

  Bytes bytes = writer.finish();
  Result<GgufFile> file = GgufFile::parse(bytes);
  ASSERT_TRUE(file.ok()) << file.error().message();
  EXPECT_EQ(file->version(), 3u);
  EXPECT_EQ(file->metadata().size(), 15u);
  EXPECT_EQ(*file->get_uint("u8"), 200u);
  EXPECT_EQ(*file->find("i8")->as_int(), -100);
  EXPECT_EQ(*file->get_uint("u16"), 60000u);
  EXPECT_EQ(*file->find("i16")->as_int(), -30000);
  EXPECT_EQ(*file->get_uint("u32"), 4000000000u);
  EXPECT_EQ(*file->find("i32")->as_int(), -2000000000);
  EXPECT_EQ(*file->get_uint("u64"), uint64_t{1} << 60);
  EXPECT_EQ(*file->find("i64")->as_int(), -(int64_t{1} << 60));
  EXPECT_EQ(*file->get_float("f32"), 1.5);
  EXPECT_EQ(*file->get_float("f64"), -2.25);
  EXPECT_TRUE(*file->get_bool("yes"));
  EXPECT_EQ(*file->get_string("text"), "héllo");
  const GgufValue* array = file->find("strings");
  ASSERT_NE(array, nullptr);
  ASSERT_EQ(array->strings().size(), 3u);
  EXPECT_EQ(array->strings()[2], "bc");
  EXPECT_EQ(*file->find("floats")->numbers(), (std::vector<double>{0.5, -1.0}));
  EXPECT_EQ(*file->find("ints")->numbers(), (std::vector<double>{-1, 2, 3}));
}

TEST(GgufWriter, TensorsAreAlignedAndRoundTrip) {
  for (uint32_t alignment : {32u, 64u, 8u}) {
    GgufWriter writer(alignment);
    std::vector<float> a = {1, 2, 3};
    std::vector<uint16_t> b(64, 0x3c00);  // 1.0 in half precision
    std::vector<uint64_t> a_dims = {3};
    std::vector<uint64_t> b_dims = {32, 2};
    ASSERT_TRUE(writer
                    .add_tensor("a", TensorType::kF32, a_dims,
                                {reinterpret_cast<const uint8_t*>(a.data()), 12})
                    .ok());
    ASSERT_TRUE(writer
                    .add_tensor("b", TensorType::kF16, b_dims,
                                {reinterpret_cast<const uint8_t*>(b.data()), 128})
                    .ok());
    Bytes bytes = writer.finish();
    Result<GgufFile> file = GgufFile::parse(bytes);
    ASSERT_TRUE(file.ok()) << file.error().message();
    EXPECT_EQ(file->alignment(), alignment);
    ASSERT_EQ(file->tensors().size(), 2u);
    const GgufTensor* tensor_b = file->find_tensor("b");
    ASSERT_NE(tensor_b, nullptr);
    EXPECT_EQ(tensor_b->offset % alignment, 0u);
    EXPECT_EQ(tensor_b->dims, b_dims);
    EXPECT_EQ(tensor_b->elements, 64u);
    EXPECT_EQ(Bytes(tensor_b->data.begin(), tensor_b->data.end()),
              Bytes(reinterpret_cast<const uint8_t*>(b.data()),
                    reinterpret_cast<const uint8_t*>(b.data()) + 128));
    EXPECT_EQ(std::bit_cast<float>(uint32_t{file->find_tensor("a")->data[4]} |
                                   uint32_t{file->find_tensor("a")->data[5]} << 8 |
                                   uint32_t{file->find_tensor("a")->data[6]} << 16 |
                                   uint32_t{file->find_tensor("a")->data[7]} << 24),
              2.0f);
  }
}

TEST(GgufWriter, RejectsDataThatDoesNotMatchTheShape) {
  GgufWriter writer;
  std::vector<uint64_t> dims = {4};
  Bytes data(15);
  EXPECT_FALSE(writer.add_tensor("t", TensorType::kF32, dims, data).ok());
  std::vector<uint64_t> partial_block = {16};
  EXPECT_FALSE(writer.add_tensor("q", TensorType::kQ4_0, partial_block, Bytes(9)).ok());
}

TEST(GgufWriter, WritesAFileThatOpensThroughTheMapping) {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("gguf_writer_test_" + std::to_string(::getpid()));
  GgufWriter writer;
  writer.set_string("general.architecture", "llama");
  ASSERT_TRUE(writer.write(path).ok());
  Result<GgufFile> file = GgufFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message();
  EXPECT_EQ(*file->get_string("general.architecture"), "llama");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace cloister::engine
