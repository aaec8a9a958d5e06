#include "server/worker/binding.h"

#include "protocol/plain_address.h"
#include "protocol/xor_address.h"

namespace tern {

size_t answer_binding(const stun::MessageView& request, const RequestContext& ctx,
                      const ResponsePolicy& policy, std::span<uint8_t> out, Signature signature) {
  Response r(out, request, stun::Class::SuccessResponse);
  if (request.has_magic_cookie()) {
    stun::XorMappedAddress{ctx.client}.add_to(r.builder());
  } else {
    stun::MappedAddress{ctx.client}.add_to(r.builder());
  }
  stun::ResponseOrigin{ctx.local}.add_to(r.builder());
  return r.finish(policy, signature);
}

}  // namespace tern
