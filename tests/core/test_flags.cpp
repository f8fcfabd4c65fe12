// The flag parser both executables use (engine/core/flags.h).
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/flags.h"

namespace wfvae {
namespace {

flags::CommandSpec spec() {
  flags::CommandSpec c;
  c.program = "tool";
  c.usage = "tool [INPUT]";
  c.summary = "A tool.";
  c.max_positional = 1;
  c.flags = {{"--view", "V", "side | split", "", "view:"},
             {"--drop", "PATH", "repeatable", "", "view:", true},
             {"--count", "N", "how many", "", "other:"},
             {"--overwrite", "", "replace", "-y", "other:"}};
  return c;
}

ErrorKind kind_of(const std::vector<std::string>& argv) {
  try {
    flags::parse(spec(), argv);
  } catch (const Error& e) {
    return e.kind();
  }
  return ErrorKind::Cancelled;  // no error
}

TEST(Flags, ChoicesRepeatsAliasesAndCheckedIntegers) {
  const flags::Args a =
      flags::parse(spec(), {"in.mp4", "--view", "split", "--drop", "a", "--drop=b", "-y", "--count", "7"});
  EXPECT_EQ(a.positional, std::vector<std::string>{"in.mp4"});
  EXPECT_EQ(a.get_choice("--view", {"side", "split"}).value(), "split");
  EXPECT_EQ(a.get_all("--drop"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(a.has("--overwrite"));
  EXPECT_EQ(a.get_int("--count", 0), 7);
  EXPECT_FALSE(a.get_choice("--missing", {"x"}).has_value());

  const flags::Args bad = flags::parse(spec(), {"--view", "sideways", "--count", "4294967304"});
  EXPECT_THROW(bad.get_choice("--view", {"side", "split"}), Error);
  EXPECT_THROW(bad.get_int("--count", 0), Error) << "an int that overflows is a usage error, not a wrap";
}

TEST(Flags, MistakesAreUsageErrorsNamingTheProgram) {
  EXPECT_EQ(kind_of({"--frobnicate"}), ErrorKind::Usage);
  EXPECT_EQ(kind_of({"a", "b"}), ErrorKind::Usage);
  EXPECT_EQ(kind_of({"--view"}), ErrorKind::Usage);
  EXPECT_EQ(kind_of({"--view", ""}), ErrorKind::Usage);
  EXPECT_EQ(kind_of({"--overwrite=1"}), ErrorKind::Usage);
  try {
    flags::parse(spec(), {"--frobnicate"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("see tool --help"), std::string::npos) << e.what();
  }
}

TEST(Flags, HelpListsEveryFlagUnderItsSection) {
  const std::string h = flags::help_text(spec());
  const size_t view = h.find("\nview:\n"), other = h.find("\nother:\n");
  ASSERT_NE(view, std::string::npos) << h;
  ASSERT_NE(other, std::string::npos) << h;
  EXPECT_LT(view, h.find("--view V"));
  EXPECT_LT(h.find("--drop PATH"), other);
  EXPECT_GT(h.find("-y, --overwrite"), other);
  EXPECT_EQ(h.find("\noptions:\n"), std::string::npos) << "sections replace the generic heading";
}

}  // namespace
}  // namespace wfvae
