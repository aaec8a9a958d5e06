// The JSON writer behind /v1/stats and /v1/sessions: client-chosen strings (USERNAME) can
// never break the document.
#include <gtest/gtest.h>

#include <string>

#include "server/admin/admin_json.h"

namespace tern {
namespace {

TEST(JsonWriter, PlacesCommasAndColons) {
  JsonWriter w;
  w.begin_object().field("a", 1).key("b").begin_array();
  w.value("x").value(uint64_t{18446744073709551615ull}).begin_object().end_object();
  w.end_array().field("c", true).field("d", int64_t{-3}).end_object();
  EXPECT_EQ(w.text(), R"({"a":1,"b":["x",18446744073709551615,{}],"c":true,"d":-3})");
}

TEST(JsonWriter, EmptyContainers) {
  JsonWriter w;
  w.begin_array().begin_array().end_array().begin_object().end_object().end_array();
  EXPECT_EQ(w.text(), "[[],{}]");
}

}  // namespace
}  // namespace tern
