// The one CSV writer/reader (eval tables, norm lab exports).
#include <gtest/gtest.h>

#include "core/csv.h"
#include "core/error.h"

using namespace wfvae;

TEST(Csv, FieldsNeedingQuotesAreQuotedAndReadBack) {
  const std::vector<std::string> fields = {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\ronly", " padded ", ""};
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + csv_field(fields[i]);
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("cr\ronly"), "\"cr\ronly\"");  // the norm lab's old copy left a bare CR unquoted
  const auto records = parse_csv(line + "\r\n", "t.csv");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0], fields);
}

TEST(Csv, LineEndsAndDamage) {
  const auto r = parse_csv("a,b\r\nc,d\n\ne,f", "t.csv");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[2], (std::vector<std::string>{"e", "f"}));
  try {
    parse_csv("a,\"open", "t.csv");
    FAIL() << "an unterminated quote was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    EXPECT_NE(std::string(e.what()).find("t.csv: unterminated quoted field"), std::string::npos);
  }
}
