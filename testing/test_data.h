// Locating the shared, external test data (real models, vocabularies,
// attestation evidence, published vectors). The root is $CLOISTER_TEST_DATA,
// or ../shared/data next to the repository. Data that is missing skips a test
// on a developer machine, but fails it in CI (CI=true): CI must never pass by
// skipping.
#pragma once

#include <filesystem>
#include <string_view>

#include <gtest/gtest.h>

#include "base/bytes.h"

namespace cloister::testing {

// Returns the test-data root directory (which may not exist).
std::filesystem::path test_data_root();

// Returns true when the environment says we run in CI (CI=true or CI=1).
bool running_in_ci();

// Returns root/relative if it exists, otherwise kNotFound with a message that
// says how to provide the data.
Result<std::filesystem::path> locate_test_data(std::string_view relative);

// Reads a whole test-data file; fails the current test if it cannot be read.
Bytes read_test_file(const std::filesystem::path& path);

}  // namespace cloister::testing

// Declares `var` as the path of test-data file `relative`. When it is missing,
// skips the test (or fails it in CI) and returns from the test body.
// NOLINTBEGIN(bugprone-macro-parentheses): `var` is a declared name.
#define CLOISTER_TEST_DATA(var, relative)                                     \
  std::filesystem::path var;                                                  \
  do {                                                                        \
    auto cloister_located_ = ::cloister::testing::locate_test_data(relative); \
    if (!cloister_located_.ok()) {                                            \
      if (::cloister::testing::running_in_ci()) {                             \
        FAIL() << cloister_located_.error().message();                        \
      }                                                                       \
      GTEST_SKIP() << cloister_located_.error().message();                    \
    }                                                                         \
    var = *cloister_located_;                                                 \
  } while (false)
// NOLINTEND(bugprone-macro-parentheses)
