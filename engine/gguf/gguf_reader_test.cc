#include <string>

#include <gtest/gtest.h>

#include "engine/gguf/gguf.h"
#include "engine/gguf/gguf_writer.h"
#include "testing/test_data.h"

namespace cloister::engine {
namespace {

// Hand-assembles GGUF headers, so that tests can build files the writer
// would never produce.
class RawGguf {
 public:
  RawGguf(uint32_t version, uint64_t tensors, uint64_t kvs) {
    out_.put_u32le(kGgufMagic);
    out_.put_u32le(version);
    out_.put_u64le(tensors);
    out_.put_u64le(kvs);
  }
  RawGguf& string(std::string_view s) {
    out_.put_u64le(s.size());
    out_.put_string(s);
    return *this;
  }
  RawGguf& u32(uint32_t v) {
    out_.put_u32le(v);
    return *this;
  }
  RawGguf& u64(uint64_t v) {
    out_.put_u64le(v);
    return *this;
  }
  RawGguf& u8(uint8_t v) {
    out_.put_u8(v);
    return *this;
  }
  RawGguf& tensor(std::string_view name, std::initializer_list<uint64_t> dims, uint32_t type,
                  uint64_t offset) {
    string(name);
    u32(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) u64(d);
    u32(type);
    return u64(offset);
  }
  RawGguf& pad_to(size_t alignment) {
    out_.put_zeros((alignment - out_.size() % alignment) % alignment);
    return *this;
  }
  RawGguf& zeros(size_t n) {
    out_.put_zeros(n);
    return *this;
  }
  const Bytes& bytes() const { return out_.data(); }

 private:
  ByteWriter out_;
};

std::string parse_error(const Bytes& bytes) {
  Result<GgufFile> file = GgufFile::parse(bytes);
  EXPECT_FALSE(file.ok());
  return file.ok() ? "" : file.error().message();
}

TEST(GgufReader, ReadsTheStories260KModel) {
  CLOISTER_TEST_DATA(path, "models/stories260K.gguf");
  Result<GgufFile> file = GgufFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message();
  EXPECT_EQ(file->file_size(), 1185376u);
  EXPECT_TRUE(file->version() == 2 || file->version() == 3);
  EXPECT_EQ(file->alignment(), 32u);  // no general.alignment key: the default applies
  EXPECT_EQ(file->find("general.alignment"), nullptr);
  EXPECT_EQ(file->data_offset() % 32, 0u);
  EXPECT_EQ(*file->get_string("general.architecture"), "llama");
  EXPECT_EQ(*file->get_uint("llama.embedding_length"), 64u);
  EXPECT_EQ(*file->get_uint("llama.block_count"), 5u);
  EXPECT_EQ(*file->get_uint("llama.attention.head_count"), 8u);
  EXPECT_EQ(*file->get_uint("llama.attention.head_count_kv"), 4u);
  EXPECT_EQ(*file->get_uint("llama.feed_forward_length"), 172u);
  EXPECT_EQ(*file->get_uint("llama.context_length"), 2048u);
  EXPECT_EQ(*file->get_uint("llama.rope.dimension_count"), 8u);
  EXPECT_NEAR(*file->get_float("llama.attention.layer_norm_rms_epsilon"), 1e-5, 1e-9);
  const GgufValue* tokens = file->find("tokenizer.ggml.tokens");
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->element_type(), GgufValueType::kString);
  EXPECT_EQ(tokens->strings().size(), 512u);
  const GgufTensor* embedding = file->find_tensor("token_embd.weight");
  ASSERT_NE(embedding, nullptr);
  EXPECT_EQ(embedding->type, TensorType::kF32);
  EXPECT_EQ(embedding->dims, (std::vector<uint64_t>{64, 512}));
  EXPECT_EQ(embedding->data.size(), 64u * 512u * 4u);
  // Every tensor's bytes lie inside the file.
  for (const GgufTensor& tensor : file->tensors()) {
    EXPECT_GE(tensor.data.data(), file->mapping()->bytes().data());
    EXPECT_LE(tensor.data.data() + tensor.data.size(),
              file->mapping()->bytes().data() + file->file_size());
  }
}

TEST(GgufReader, ReadsVocabularyOnlyFiles) {
  CLOISTER_TEST_DATA(path, "vocab/ggml-vocab-qwen2.gguf");
  Result<GgufFile> file = GgufFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message();
  EXPECT_TRUE(file->tensors().empty());
  EXPECT_EQ(*file->get_string("tokenizer.ggml.model"), "gpt2");
  EXPECT_EQ(*file->get_string("tokenizer.ggml.pre"), "qwen2");
  EXPECT_EQ(file->find("tokenizer.ggml.tokens")->strings().size(), 151646u);
}

TEST(GgufReader, RejectsAFileThatIsNotGguf) {
  Bytes bytes = to_bytes(std::string_view("GGML\x03\0\0\0", 8));
  EXPECT_NE(parse_error(bytes).find("not a GGUF file"), std::string::npos);
  EXPECT_NE(parse_error({}).find("magic"), std::string::npos);
}

TEST(GgufReader, RejectsVersionOneAndUnknownVersions) {
  EXPECT_NE(parse_error(RawGguf(1, 0, 0).bytes()).find("version 1"), std::string::npos);
  EXPECT_NE(parse_error(RawGguf(4, 0, 0).bytes()).find("version 4"), std::string::npos);
  // A big-endian file reads as a huge version number.
  EXPECT_NE(parse_error(RawGguf(0x03000000, 0, 0).bytes()).find("unsupported GGUF version"),
            std::string::npos);
}

TEST(GgufReader, AcceptsVersionTwo) {
  RawGguf raw(2, 0, 1);
  raw.string("general.name").u32(8).string("v2");
  Result<GgufFile> file = GgufFile::parse(raw.bytes());
  ASSERT_TRUE(file.ok()) << file.error().message();
  EXPECT_EQ(file->version(), 2u);
  EXPECT_EQ(*file->get_string("general.name"), "v2");
}

TEST(GgufReader, RejectsCountsLargerThanTheFile) {
  EXPECT_NE(parse_error(RawGguf(3, 0, uint64_t{1} << 60).bytes()).find("metadata count"),
            std::string::npos);
  EXPECT_NE(parse_error(RawGguf(3, 1000, 0).bytes()).find("tensor count"), std::string::npos);
  RawGguf array(3, 0, 1);
  array.string("big").u32(9).u32(4).u64(uint64_t{1} << 62);
  EXPECT_NE(parse_error(array.bytes()).find("element count"), std::string::npos);
  RawGguf string(3, 0, 1);
  string.string("s").u32(8).u64(1000).string("short");
  EXPECT_NE(parse_error(string.bytes()).find("string length"), std::string::npos);
}

TEST(GgufReader, RejectsBadValueTypes) {
  RawGguf unknown(3, 0, 1);
  unknown.string("k").u32(13).u32(0);
  EXPECT_NE(parse_error(unknown.bytes()).find("unknown value type 13"), std::string::npos);
  RawGguf nested(3, 0, 1);
  nested.string("k").u32(9).u32(9).u64(1);
  EXPECT_NE(parse_error(nested.bytes()).find("array of arrays"), std::string::npos);
  RawGguf boolean(3, 0, 1);
  boolean.string("flag").u32(7).u8(2);
  EXPECT_NE(parse_error(boolean.bytes()).find("bool"), std::string::npos);
}

TEST(GgufReader, RejectsDuplicateKeysAndTensors) {
  RawGguf keys(3, 0, 2);
  keys.string("a").u32(4).u32(1).string("a").u32(4).u32(2);
  EXPECT_NE(parse_error(keys.bytes()).find("appears twice"), std::string::npos);
  RawGguf tensors(3, 2, 0);
  tensors.tensor("t", {8}, 0, 0).tensor("t", {8}, 0, 32).pad_to(32).zeros(64);
  EXPECT_NE(parse_error(tensors.bytes()).find("appears twice"), std::string::npos);
}

TEST(GgufReader, RejectsBadAlignment) {
  RawGguf three(3, 0, 1);
  three.string("general.alignment").u32(4).u32(3);
  EXPECT_NE(parse_error(three.bytes()).find("power of two"), std::string::npos);
  RawGguf wrong_type(3, 0, 1);
  wrong_type.string("general.alignment").u32(10).u64(32);
  EXPECT_NE(parse_error(wrong_type.bytes()).find("uint32"), std::string::npos);
}

TEST(GgufReader, HonoursACustomAlignment) {
  RawGguf raw(3, 1, 1);
  raw.string("general.alignment").u32(4).u32(64).tensor("t", {4}, 0, 0).pad_to(64).zeros(16);
  Result<GgufFile> file = GgufFile::parse(raw.bytes());
  ASSERT_TRUE(file.ok()) << file.error().message();
  EXPECT_EQ(file->alignment(), 64u);
  EXPECT_EQ(file->data_offset() % 64, 0u);
  RawGguf misaligned(3, 1, 1);
  misaligned.string("general.alignment")
      .u32(4)
      .u32(64)
      .tensor("t", {4}, 0, 32)
      .pad_to(64)
      .zeros(128);
  EXPECT_NE(parse_error(misaligned.bytes()).find("not a multiple of the alignment 64"),
            std::string::npos);
}

TEST(GgufReader, RejectsBadTensorDescriptions) {
  RawGguf dims(3, 1, 0);
  dims.tensor("t", {1, 1, 1, 1, 1}, 0, 0);
  EXPECT_NE(parse_error(dims.bytes()).find("5 dimensions"), std::string::npos);
  RawGguf no_dims(3, 1, 0);
  no_dims.tensor("t", {}, 0, 0).zeros(32);
  EXPECT_NE(parse_error(no_dims.bytes()).find("0 dimensions"), std::string::npos);
  RawGguf type(3, 1, 0);
  type.tensor("t", {4}, 4, 0).zeros(32);
  EXPECT_NE(parse_error(type.bytes()).find("unknown type id 4"), std::string::npos);
  RawGguf block(3, 1, 0);
  block.tensor("t", {33}, 2, 0).zeros(64);  // q4_0 rows are whole blocks of 32
  EXPECT_NE(parse_error(block.bytes()).find("block size 32"), std::string::npos);
  RawGguf huge(3, 1, 0);
  huge.tensor("t", {uint64_t{1} << 40, uint64_t{1} << 40}, 0, 0).zeros(32);
  EXPECT_NE(parse_error(huge.bytes()).find("63 bits"), std::string::npos);
  RawGguf negative(3, 1, 0);
  negative.tensor("t", {uint64_t{1} << 63}, 0, 0).zeros(32);
  EXPECT_NE(parse_error(negative.bytes()).find("out of range"), std::string::npos);
}

TEST(GgufReader, RejectsTensorDataOutsideTheFile) {
  RawGguf past_end(3, 1, 0);
  past_end.tensor("t", {16}, 0, 0).pad_to(32).zeros(63);  // needs 64 bytes
  std::string message = parse_error(past_end.bytes());
  EXPECT_NE(message.find("tensor 't'"), std::string::npos);
  EXPECT_NE(message.find("truncated"), std::string::npos);
  RawGguf far_offset(3, 1, 0);
  far_offset.tensor("t", {1}, 0, uint64_t{1} << 62).pad_to(32).zeros(32);
  EXPECT_NE(parse_error(far_offset.bytes()).find("data section"), std::string::npos);
}

TEST(GgufReader, RejectsOverlappingTensors) {
  RawGguf raw(3, 2, 0);
  raw.tensor("a", {16}, 0, 0).tensor("b", {16}, 0, 32).pad_to(32).zeros(128);
  EXPECT_NE(parse_error(raw.bytes()).find("overlap"), std::string::npos);
}

TEST(GgufReader, EveryTruncationOfAValidFileFailsCleanly) {
  GgufWriter writer;
  writer.set_string("general.architecture", "llama");
  std::vector<std::string> tokens = {"a", "bb", "ccc"};
  writer.set_string_array("tokenizer.ggml.tokens", tokens);
  std::vector<float> scores = {0.5f, -1.0f, 2.0f};
  writer.set_float32_array("tokenizer.ggml.scores", scores);
  std::vector<float> values(64, 1.5f);
  std::vector<uint64_t> dims = {64};
  ASSERT_TRUE(
      writer
          .add_tensor("t", TensorType::kF32, dims,
                      as_bytes(std::string_view(reinterpret_cast<const char*>(values.data()), 256)))
          .ok());
  Bytes full = writer.finish();
  ASSERT_TRUE(GgufFile::parse(full).ok());
  for (size_t n = 0; n < full.size(); ++n) {
    Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    Result<GgufFile> file = GgufFile::parse(prefix);
    EXPECT_FALSE(file.ok()) << "a prefix of " << n << " bytes parsed";
    if (!file.ok()) {
      EXPECT_FALSE(file.error().message().empty());
    }
  }
}

TEST(GgufReader, TypedGettersNameTheProblem) {
  GgufWriter writer;
  writer.set_string("s", "text");
  writer.set_int32("negative", -3);
  writer.set_float32("f", 0.25f);
  Result<GgufFile> file = GgufFile::parse(writer.finish());
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->get_uint("missing").error().code(), ErrorCode::kNotFound);
  EXPECT_NE(file->get_uint("s").error().message().find("'s' should be"), std::string::npos);
  EXPECT_FALSE(file->get_uint("negative").ok());
  EXPECT_EQ(*file->find("negative")->as_int(), -3);
  EXPECT_EQ(*file->get_float("f"), 0.25);
  EXPECT_EQ(*file->get_uint_or("missing", 7), 7u);
  EXPECT_FALSE(file->get_uint_or("s", 7).ok());
}

TEST(GgufReader, OpenNamesAMissingFile) {
  Result<GgufFile> file = GgufFile::open("/nonexistent/model.gguf");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(file.error().message().find("/nonexistent/model.gguf"), std::string::npos);
}

}  // namespace
}  // namespace cloister::engine
