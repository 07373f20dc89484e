#include "attest/snp/cert_table.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace cloister::attest::snp {
namespace {

TEST(CertTable, RoundTripsEntries) {
  std::vector<CertTableEntry> entries = {{std::string(kVcekGuid), Bytes{1, 2, 3}},
                                         {std::string(kArkGuid), Bytes{4}}};
  auto table = encode_cert_table(entries);
  ASSERT_TRUE(table.ok());
  ASSERT_EQ(table->size(), 3 * 24 + 4u);
  // The GUID's bytes are its hex digits in order (as go-sev-guest writes them).
  EXPECT_EQ(hex_encode(ByteSpan(*table).first(16)), "63da758de6644564adc5f4b93be8accd");
  auto parsed = parse_cert_table(*table);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].guid, kVcekGuid);
  EXPECT_EQ((*parsed)[0].data, (Bytes{1, 2, 3}));
  EXPECT_EQ((*parsed)[1].data, (Bytes{4}));
}

TEST(CertTable, RejectsOutOfBoundsAndUnterminatedTables) {
  auto table = encode_cert_table({{std::string(kAskGuid), Bytes(10, 7)}});
  ASSERT_TRUE(table.ok());
  Bytes truncated(table->begin(), table->end() - 1);
  EXPECT_FALSE(parse_cert_table(truncated).ok());
  Bytes into_header = *table;
  into_header[16] = 4;  // offset 4 lies inside the header
  EXPECT_FALSE(parse_cert_table(into_header).ok());
  EXPECT_FALSE(parse_cert_table(ByteSpan(*table).first(24)).ok());  // no terminator
  EXPECT_FALSE(encode_cert_table({{"not-a-guid", Bytes{}}}).ok());
}

}  // namespace
}  // namespace cloister::attest::snp
