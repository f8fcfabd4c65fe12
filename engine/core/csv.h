// CSV as the eval tables and the norm lab write and read it (RFC 4180): one
// quoting function and one parser for the whole project.
#pragma once

#include <string>
#include <vector>

namespace wfvae {

// The field as written: quoted (doubled inner quotes) when it holds a comma, quote,
// CR or LF, or starts or ends with a space.
std::string csv_field(const std::string& s);

// Records of fields: quotes, doubled quotes, CR/LF/CRLF line ends, newlines inside
// quotes. An unterminated quote is a BadInput error naming `source`.
std::vector<std::vector<std::string>> parse_csv(const std::string& text, const std::string& source);

}  // namespace wfvae
