// Small text helpers shared by the engine, the CLI and the studio (one of each).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace wfvae::text {

// ASCII lower case.
std::string lower(std::string s);
// A path's extension in lower case, with its dot (".mp4"); "" when none.
std::string lower_extension(const std::filesystem::path& p);
// Fixed-point with `decimals` digits ("12.35"); "n/a" for NaN or Inf.
std::string fixed(double v, int decimals);
// The pieces of `s` between the separators (an empty `s` gives one empty piece).
std::vector<std::string> split(const std::string& s, char separator);
// A number for CSV and tables: up to 10 significant digits ("%.10g"); "" for NaN or
// Inf (an empty cell, which spreadsheets and the eval reader take as missing).
std::string csv_number(double v);

}  // namespace wfvae::text
