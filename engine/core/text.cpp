#include "core/text.h"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace wfvae::text {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string lower_extension(const std::filesystem::path& p) { return lower(p.extension().string()); }

std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::vector<std::string> split(const std::string& s, char separator) {
  std::vector<std::string> out;
  size_t b = 0;
  for (size_t e; (e = s.find(separator, b)) != std::string::npos; b = e + 1) out.push_back(s.substr(b, e - b));
  out.push_back(s.substr(b));
  return out;
}

std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace wfvae::text
