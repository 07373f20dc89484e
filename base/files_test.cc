#include "base/files.h"

#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

namespace cloister {
namespace {

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cloister-files-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(FilesTest, AtomicWriteReplacesWholeFileAndSetsMode) {
  auto path = dir_ / "state.json";
  ASSERT_TRUE(write_file_atomically(path, as_bytes("first version, long"), 0600).ok());
  ASSERT_TRUE(write_file_atomically(path, as_bytes("second"), 0600).ok());
  EXPECT_EQ(*read_text_file(path), "second");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No temporary files are left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);
}

TEST_F(FilesTest, MissingFileIsNotFoundAndNamesThePath) {
  auto result = read_file(dir_ / "absent");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(result.error().message().find("absent"), std::string::npos);
}

TEST_F(FilesTest, RefusesFilesOverTheSizeLimit) {
  auto path = dir_ / "big";
  ASSERT_TRUE(write_file_atomically(path, Bytes(100, 0)).ok());
  auto result = read_file(path, 99);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kResourceExhausted);
}

}  // namespace
}  // namespace cloister
