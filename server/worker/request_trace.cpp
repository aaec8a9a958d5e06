#include "server/worker/request_trace.h"

#include <fmt/format.h>

#include <string>

#include "base/log.h"
#include "protocol/error_code.h"
#include "protocol/message.h"

namespace tern {
namespace {

std::string method_name(uint16_t type) {
  switch (stun::method_of(type)) {
    case stun::Method::Binding:
      return "binding";
    case stun::Method::Allocate:
      return "allocate";
    case stun::Method::Refresh:
      return "refresh";
    case stun::Method::Send:
      return "send";
    case stun::Method::Data:
      return "data";
    case stun::Method::CreatePermission:
      return "create-permission";
    case stun::Method::ChannelBind:
      return "channel-bind";
    case stun::Method::Connect:
      return "connect";
    case stun::Method::ConnectionBind:
      return "connection-bind";
    case stun::Method::ConnectionAttempt:
      return "connection-attempt";
  }
  return fmt::format("0x{:03x}", static_cast<uint16_t>(stun::method_of(type)));
}

std::string_view class_name(stun::Class c) {
  switch (c) {
    case stun::Class::Request:
      return "request";
    case stun::Class::Indication:
      return "indication";
    case stun::Class::SuccessResponse:
      return "success";
    case stun::Class::ErrorResponse:
      return "error";
  }
  return "?";
}

// The 96-bit transaction id in hex (bytes 8..19 of any STUN header).
std::string transaction_hex(std::span<const uint8_t> message) {
  std::string out;
  for (size_t i = 8; i < stun::kHeaderSize && i < message.size(); ++i) {
    out += fmt::format("{:02x}", message[i]);
  }
  return out;
}

std::string error_code_of(std::span<const uint8_t> response) {
  auto parsed = stun::MessageView::parse(response);
  if (!parsed) return "?";
  auto code = stun::ErrorCodeAttribute::get_from(*parsed);
  return code ? std::to_string(code->code) : "?";
}

}  // namespace

void trace_exchange(Logger& log, std::span<const uint8_t> request, const RequestContext& ctx,
                    std::span<const uint8_t> response) {
  const auto in = stun::peek_header(request);
  if (!in || stun::class_of(in->type) != stun::Class::Request) return;
  const std::string common = fmt::format("txid={} source={} transport={}", transaction_hex(request),
                                         ctx.client.to_string(), to_string(ctx.transport));
  log.debug("stun request method={} class={} {}", method_name(in->type),
            class_name(stun::class_of(in->type)), common);
  const auto out = stun::peek_header(response);
  if (!out) {
    log.debug("stun response method={} class=none {}", method_name(in->type), common);
    return;
  }
  const stun::Class c = stun::class_of(out->type);
  log.debug("stun response method={} class={} {}{}", method_name(out->type), class_name(c), common,
            c == stun::Class::ErrorResponse ? " code=" + error_code_of(response) : "");
}

}  // namespace tern
