// The eval table's CSV reader: parse; fields written back with csv_field parse to
// the same records.
#include <cstdlib>

#include "core/csv.h"
#include "fuzz_common.h"

using namespace wfvae;

void fuzz_one(const std::string& input) {
  const auto records = parse_csv(input, "table.csv");
  std::string text;
  for (const auto& r : records) {
    for (size_t i = 0; i < r.size(); ++i) text += (i ? "," : "") + csv_field(r[i]);
    text += "\n";
  }
  const auto again = parse_csv(text, "rewritten");
  // A record of one empty field is written as an empty line, which the reader skips.
  size_t j = 0;
  for (const auto& r : records) {
    if (r.size() == 1 && r[0].empty()) continue;
    if (j >= again.size() || again[j] != r) std::abort();
    ++j;
  }
}
