#pragma once
// gtest predicates for responses, so a failing test says what came back instead of
// "false is not true".

#include <gtest/gtest.h>

#include <cstdint>
#include <span>

#include "protocol/result.h"
#include "tests/support/stun_client.h"

namespace tern::test {

// A Binding success response carrying the request's transaction id.
::testing::AssertionResult IsBindingSuccessFor(std::span<const uint8_t> request,
                                               const Result<Bytes, RecvError>& response);
// A Binding error response with the request's transaction id and ERROR-CODE `code`.
::testing::AssertionResult IsBindingErrorFor(std::span<const uint8_t> request,
                                             const Result<Bytes, RecvError>& response,
                                             uint16_t code);

}  // namespace tern::test
