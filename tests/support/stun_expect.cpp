#include "tests/support/stun_expect.h"

#include "protocol/error_code.h"
#include "protocol/message.h"
#include "tests/support/stun_requests.h"

namespace tern::test {
namespace {

::testing::AssertionResult is_binding_for(std::span<const uint8_t> request,
                                          const Result<Bytes, RecvError>& response,
                                          stun::Class expected) {
  if (!response)
    return ::testing::AssertionFailure() << "no response: " << to_string(response.error());
  auto m = stun::MessageView::parse(*response);
  if (!m || m->method() != stun::Method::Binding || m->message_class() != expected) {
    return ::testing::AssertionFailure() << "got " << describe(*response);
  }
  if (m->transaction_id_copy() != transaction_id_of(request)) {
    return ::testing::AssertionFailure() << "transaction id differs from the request's";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

::testing::AssertionResult IsBindingSuccessFor(std::span<const uint8_t> request,
                                               const Result<Bytes, RecvError>& response) {
  return is_binding_for(request, response, stun::Class::SuccessResponse);
}

::testing::AssertionResult IsBindingErrorFor(std::span<const uint8_t> request,
                                             const Result<Bytes, RecvError>& response,
                                             uint16_t code) {
  auto r = is_binding_for(request, response, stun::Class::ErrorResponse);
  if (!r) return r;
  auto m = stun::MessageView::parse(*response);
  auto e = stun::ErrorCodeAttribute::get_from(*m);
  if (!e) return ::testing::AssertionFailure() << "ERROR-CODE: " << stun::to_string(e.error());
  if (e->code != code) {
    return ::testing::AssertionFailure()
           << "ERROR-CODE " << e->code << " (" << e->reason << "), expected " << code;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace tern::test
