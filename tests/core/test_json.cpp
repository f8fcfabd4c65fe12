#include <gtest/gtest.h>

#include <cmath>

#include "core/json.h"

using namespace wfvae;

TEST(Json, ParsesAndDumps) {
  json::Value v = json::parse(R"({"a": [1, 2.5, -3e2, true, null], "b": {"c": "x\n\u00e9\ud83d\ude00"}})");
  EXPECT_EQ(v.find("a")->as_array().size(), 5u);
  EXPECT_EQ(v.find("a")->as_array()[2].as_number(), -300);
  EXPECT_TRUE(v.find("a")->as_array()[3].as_bool());
  EXPECT_EQ(v.find("b")->find("c")->as_string(), "x\n\xc3\xa9\xf0\x9f\x98\x80");
  json::Value w = json::parse(json::dump(v, 2));
  EXPECT_EQ(json::dump(v), json::dump(w));
}

TEST(Json, ErrorsCarryOffsets) {
  for (const char* bad :
       {"{", "{\"a\" 1}", "[1,]", "{\"a\":1,\"a\":2}", "tru", "\"\\x\"", "01", "1 2", "{\"a\":\"\n\"}"}) {
    try {
      json::parse(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const json::ParseError& e) {
      EXPECT_NE(std::string(e.what()).find("offset"), std::string::npos) << e.what();
    }
  }
}

TEST(Json, NumbersRoundTripAndIntegersStayExact) {
  json::Value v = json::parse("[15854256, 0.18215, 1e-6, 9007199254740991]");
  EXPECT_TRUE(v.as_array()[0].is_integer());
  EXPECT_EQ(v.as_array()[0].as_int(), 15854256);
  EXPECT_FALSE(v.as_array()[1].is_integer());
  EXPECT_EQ(json::dump(v), "[15854256,0.18215,1e-06,9007199254740991]");
  EXPECT_EQ(json::dump(json::Value(std::nan(""))), "null");
}
