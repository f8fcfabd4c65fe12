// The error a call that must fail throws.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

// The message of the wfvae::Error that fn() throws, whose kind is checked; a test
// failure saying `unexpected` (and "") when fn() returns instead.
template <class F>
std::string error_message(F&& fn, wfvae::ErrorKind kind, const std::string& unexpected = "no error") {
  try {
    fn();
  } catch (const wfvae::Error& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
    return e.what();
  }
  ADD_FAILURE() << unexpected;
  return "";
}
