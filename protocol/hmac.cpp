#include "protocol/hmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <utility>

namespace tern {
namespace {

// Both SHA-1 and SHA-256 hash 64-byte blocks (RFC 2104's B).
constexpr size_t kBlockSize = 64;
using Block = std::array<uint8_t, kBlockSize>;

struct MdDeleter {
  void operator()(EVP_MD* p) const { EVP_MD_free(p); }
};
using MdPtr = std::unique_ptr<EVP_MD, MdDeleter>;

// Fetched once: a fetched EVP_MD is immutable and may be shared by threads, and handing
// it to EVP_DigestInit_ex2 skips the by-name lookup that EVP_sha1() would make each time.
const EVP_MD* fetched(HmacDigest d) {
  static const MdPtr sha1(EVP_MD_fetch(nullptr, "SHA1", nullptr));
  static const MdPtr sha256(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  return d == HmacDigest::Sha1 ? sha1.get() : sha256.get();
}

// Wipes key material from the stack whatever way the function leaves.
template <size_t N>
struct Scrubbed {
  std::array<uint8_t, N> bytes{};
  ~Scrubbed() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

// RFC 2104 §2: a key longer than a block is hashed first; then it is padded with zeros.
bool block_key(const EVP_MD* md, EVP_MD_CTX* scratch, std::span<const uint8_t> key, Block& out) {
  out.fill(0);
  if (key.size() <= kBlockSize) {
    std::copy(key.begin(), key.end(), out.begin());
    return true;
  }
  unsigned int n = 0;
  return EVP_DigestInit_ex2(scratch, md, nullptr) == 1 &&
         EVP_DigestUpdate(scratch, key.data(), key.size()) == 1 &&
         EVP_DigestFinal_ex(scratch, out.data(), &n) == 1;
}

// Starts `ctx` on the block (key XOR pad), the first block of the inner or outer hash.
bool start_padded(EVP_MD_CTX* ctx, const EVP_MD* md, const Block& key, uint8_t pad) {
  Scrubbed<kBlockSize> block;
  std::transform(key.begin(), key.end(), block.bytes.begin(),
                 [pad](uint8_t b) { return static_cast<uint8_t>(b ^ pad); });
  return EVP_DigestInit_ex2(ctx, md, nullptr) == 1 &&
         EVP_DigestUpdate(ctx, block.bytes.data(), block.bytes.size()) == 1;
}

constexpr uint8_t kInnerPad = 0x36;
constexpr uint8_t kOuterPad = 0x5c;

bool update_all(EVP_MD_CTX* ctx, HmacParts parts) {
  for (const auto& p : parts) {
    if (EVP_DigestUpdate(ctx, p.data(), p.size()) != 1) return false;
  }
  return true;
}

// The inner hash's digest, which the outer hash covers.
struct InnerDigest : Scrubbed<EVP_MAX_MD_SIZE> {
  unsigned int size = 0;
};

bool end_inner(EVP_MD_CTX* ctx, InnerDigest& inner) {
  return EVP_DigestFinal_ex(ctx, inner.bytes.data(), &inner.size) == 1;
}

// `ctx` holds the outer hash started on its key block.
size_t end_outer(EVP_MD_CTX* ctx, const InnerDigest& inner, HmacOutput out) {
  // Every digest here fits kHmacMaxSize, which EVP_DigestFinal_ex cannot be told.
  unsigned int n = 0;
  return EVP_DigestUpdate(ctx, inner.bytes.data(), inner.size) == 1 &&
                 EVP_DigestFinal_ex(ctx, out.data(), &n) == 1
             ? n
             : 0;
}

}  // namespace

size_t hmac(HmacDigest d, std::span<const uint8_t> key, HmacParts parts, HmacOutput out) {
  const EVP_MD* md = fetched(d);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md || !ctx) return 0;
  Scrubbed<kBlockSize> k;
  InnerDigest inner;
  const bool ok = block_key(md, ctx.get(), key, k.bytes) &&
                  start_padded(ctx.get(), md, k.bytes, kInnerPad) && update_all(ctx.get(), parts) &&
                  end_inner(ctx.get(), inner) && start_padded(ctx.get(), md, k.bytes, kOuterPad);
  return ok ? end_outer(ctx.get(), inner, out) : 0;
}

void Hmac::CtxDeleter::operator()(EVP_MD_CTX* p) const {
  EVP_MD_CTX_free(p);  // cleanses the hash state, which is derived from the key
}

Hmac::Hmac() : inner_(EVP_MD_CTX_new()), outer_(EVP_MD_CTX_new()), work_(EVP_MD_CTX_new()) {}

Hmac::~Hmac() = default;

Hmac::Hmac(Hmac&& other) noexcept
    : inner_(std::move(other.inner_)),
      outer_(std::move(other.outer_)),
      work_(std::move(other.work_)),
      digest_(other.digest_),
      keyed_(std::exchange(other.keyed_, false)) {}

Hmac& Hmac::operator=(Hmac&& other) noexcept {
  inner_ = std::move(other.inner_);
  outer_ = std::move(other.outer_);
  work_ = std::move(other.work_);
  digest_ = other.digest_;
  keyed_ = std::exchange(other.keyed_, false);
  return *this;
}

bool Hmac::set_key(HmacDigest d, std::span<const uint8_t> key) {
  keyed_ = false;
  digest_ = d;
  const EVP_MD* md = fetched(d);
  if (!md || !inner_ || !outer_ || !work_) return false;
  Scrubbed<kBlockSize> k;
  keyed_ = block_key(md, work_.get(), key, k.bytes) &&
           start_padded(inner_.get(), md, k.bytes, kInnerPad) &&
           start_padded(outer_.get(), md, k.bytes, kOuterPad);
  return keyed_;
}

size_t Hmac::mac(HmacParts parts, HmacOutput out) {
  // Copying the ready states costs a memcpy where re-keying would cost two hash blocks.
  InnerDigest inner;
  const bool ok = keyed_ && EVP_MD_CTX_copy_ex(work_.get(), inner_.get()) == 1 &&
                  update_all(work_.get(), parts) && end_inner(work_.get(), inner) &&
                  EVP_MD_CTX_copy_ex(work_.get(), outer_.get()) == 1;
  return ok ? end_outer(work_.get(), inner, out) : 0;
}

Hmac Hmac::clone() const {
  Hmac copy;
  copy.digest_ = digest_;
  copy.keyed_ = keyed_ && copy.inner_ && copy.outer_ && copy.work_ &&
                EVP_MD_CTX_copy_ex(copy.inner_.get(), inner_.get()) == 1 &&
                EVP_MD_CTX_copy_ex(copy.outer_.get(), outer_.get()) == 1;
  return copy;
}

}  // namespace tern
