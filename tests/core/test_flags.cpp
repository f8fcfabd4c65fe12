// The flag parser both executables use (engine/core/flags.h): each flag writes its
// checked value into the variable its spec names.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/flags.h"

namespace wfvae {
namespace {

struct Values {
  std::string view = "side";
  std::vector<std::string> drops;
  int count = 1;
  bool overwrite = false;
  int h = 0, w = 0;
  std::optional<double> lr;
  std::optional<std::string> name;
  std::vector<std::string> seen;  // what the function target was called with
};

flags::CommandSpec spec(Values& v) {
  flags::CommandSpec c;
  c.program = "tool";
  c.usage = "tool [INPUT]";
  c.summary = "A tool.";
  c.max_positional = 1;
  // name, metavar, help, target, choices, alias, section, repeatable
  c.flags = {
      {"--view", "V", "how to show it", &v.view, {"side", "split"}, "", "view:"},
      {"--drop", "PATH", "repeatable", &v.drops, {}, "", "view:", true},
      {"--count", "N", "how many", &v.count, {}, "", "other:"},
      {"--overwrite", "", "replace", &v.overwrite, {}, "-y", "other:"},
      {"--size", "HxW", "a size", flags::Dims{&v.h, &v.w}, {}, "", "other:"},
      {"--lr", "X", "a number", &v.lr, {}, "", "other:"},
      {"--name", "S", "a string", &v.name, {}, "", "other:"},
      {"--tag", "T", "calls a function", [&v](const std::string& s) { v.seen.push_back(s); }, {}, "", "other:", true},
      {"--flag",
       "",
       "a switch with a function",
       [&v](const std::string& s) { v.seen.push_back("flag" + s); },
       {},
       "",
       "other:"}};
  return c;
}

// The usage error's message for argv ("" when it parses).
std::string error_of(const std::vector<std::string>& argv) {
  Values v;
  try {
    flags::parse(spec(v), argv);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage) << e.what();
    return e.what();
  }
  return "";
}

TEST(Flags, EachFlagWritesItsCheckedValueIntoItsTarget) {
  Values v;
  const flags::Args a = flags::parse(spec(v), {"in.mp4", "--view", "split", "--drop", "a", "--drop=b", "-y", "--count",
                                               "7", "--size", "32x48", "--lr=1e-3", "--tag", "x", "--tag", "y"});
  EXPECT_EQ(a.positional, std::vector<std::string>{"in.mp4"});
  EXPECT_EQ(v.view, "split");
  EXPECT_EQ(v.drops, (std::vector<std::string>{"a", "b"})) << "a repeatable flag keeps every value, in order";
  EXPECT_TRUE(v.overwrite);
  EXPECT_TRUE(a.has("--overwrite")) << "given by its alias, asked by its name";
  EXPECT_EQ(v.count, 7);
  EXPECT_EQ(v.h, 32);
  EXPECT_EQ(v.w, 48);
  ASSERT_TRUE(v.lr.has_value());
  EXPECT_DOUBLE_EQ(*v.lr, 1e-3);
  EXPECT_FALSE(v.name.has_value()) << "a flag not given leaves its target alone";
  EXPECT_EQ(v.seen, (std::vector<std::string>{"x", "y"}));
  EXPECT_FALSE(a.has("--name"));
}

TEST(Flags, UntouchedDefaultsTheLastValueWinsAndSwitchFunctions) {
  Values v;
  flags::parse(spec(v), {"--count", "abc", "--count", "3", "--size", "16", "--flag"});
  EXPECT_EQ(v.count, 3) << "only the last value is converted";
  EXPECT_EQ(v.view, "side");
  EXPECT_FALSE(v.overwrite);
  EXPECT_EQ(v.h, 16) << "one number is a square";
  EXPECT_EQ(v.w, 16);
  EXPECT_EQ(v.seen, std::vector<std::string>{"flag"}) << "a switch calls its function with no value";

  Values help;
  flags::parse(spec(help), {"--count", "abc", "--help"});
  EXPECT_EQ(help.count, 1) << "--help sets nothing (and refuses nothing)";
}

TEST(Flags, ValuesTheTargetsRefuseAreUsageErrorsNamingTheFlag) {
  EXPECT_EQ(error_of({"--view", "sideways"}), "--view: \"sideways\" is not one of side, split");
  EXPECT_EQ(error_of({"--count", "4294967304"}), "--count: 4294967304 is out of range")
      << "an int that overflows is a usage error, not a wrap";
  EXPECT_EQ(error_of({"--count", "7x"}), "--count: expected an integer, got \"7x\"");
  EXPECT_EQ(error_of({"--lr", "fast"}), "--lr: expected a number, got \"fast\"");
  EXPECT_NE(error_of({"--size", "0x8"}).find("--size: expected HxW with positive whole numbers"), std::string::npos);
  EXPECT_NE(error_of({"--size", "4294967304x8"}).find("--size: expected HxW"), std::string::npos);
  EXPECT_EQ(error_of({"--view"}), "--view needs a value (side|split)");
  EXPECT_EQ(error_of({"--view", ""}), "--view needs a value (side|split), got an empty one");
}

TEST(Flags, MistakesAreUsageErrorsNamingTheProgram) {
  EXPECT_NE(error_of({"--frobnicate"}).find("unknown option --frobnicate (see tool --help)"), std::string::npos);
  EXPECT_NE(error_of({"a", "b"}).find("too many arguments"), std::string::npos);
  EXPECT_EQ(error_of({"--count"}), "--count needs a value (N)");
  EXPECT_EQ(error_of({"--overwrite=1"}), "--overwrite takes no value");
  // The positional count is checked before any value.
  EXPECT_NE(error_of({"a", "b", "--count", "x"}).find("too many arguments"), std::string::npos);
}

TEST(Flags, ATargetThatDoesNotFitItsFlagIsABug) {
  bool b = false;
  int n = 0;
  flags::CommandSpec c;
  c.flags = {{"--on", "", "a switch", &n}, {"--value", "V", "a value", &b}};
  EXPECT_THROW(flags::parse(c, {"--on"}), std::logic_error);
  EXPECT_THROW(flags::parse(c, {"--value", "x"}), std::logic_error);
}

TEST(Flags, HelpListsEveryFlagUnderItsSectionWithItsChoices) {
  Values v;
  const std::string h = flags::help_text(spec(v));
  const size_t view = h.find("\nview:\n"), other = h.find("\nother:\n");
  ASSERT_NE(view, std::string::npos) << h;
  ASSERT_NE(other, std::string::npos) << h;
  EXPECT_LT(view, h.find("--view side|split")) << "the choices are the metavar";
  EXPECT_LT(h.find("--drop PATH"), other);
  EXPECT_GT(h.find("-y, --overwrite"), other);
  EXPECT_EQ(h.find("\noptions:\n"), std::string::npos) << "sections replace the generic heading";
}

}  // namespace
}  // namespace wfvae
