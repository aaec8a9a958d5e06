#include "protocol/password_algorithms.h"

#include <openssl/evp.h>

#include <cassert>
#include <memory>

#include "protocol/byte_order.h"

namespace tern::stun {
namespace {

constexpr size_t kEntryHeader = 4;  // algorithm, parameters length

// One entry at the start of `v`; `consumed` is its size with the parameters' padding,
// clamped to what is there (the last entry of an attribute needs no trailing padding).
Result<PasswordAlgorithm, AttrError> parse_entry(std::span<const uint8_t> v, size_t& consumed) {
  if (v.size() < kEntryHeader) return unexpected(AttrError::Malformed);
  const uint16_t algorithm = load_u16(v.data());
  const size_t params_len = load_u16(v.data() + 2);
  if (params_len > v.size() - kEntryHeader) return unexpected(AttrError::Malformed);
  consumed = std::min(v.size(), kEntryHeader + padded4(params_len));
  return PasswordAlgorithm{algorithm, v.subspan(kEntryHeader, params_len)};
}

void write_entry(std::span<uint8_t> out, const PasswordAlgorithm& a) {
  store_u16(out.data(), a.algorithm);
  store_u16(out.data() + 2, static_cast<uint16_t>(a.params.size()));
  std::ranges::copy(a.params, out.begin() + kEntryHeader);
  std::fill(out.begin() + kEntryHeader + a.params.size(), out.end(), uint8_t{0});
}

size_t entry_size(const PasswordAlgorithm& a) {
  return kEntryHeader + padded4(a.params.size());
}

}  // namespace

Result<PasswordAlgorithm, AttrError> PasswordAlgorithm::parse(std::span<const uint8_t> v) {
  size_t consumed = 0;
  auto a = parse_entry(v, consumed);
  if (a && consumed != v.size()) return unexpected(AttrError::Malformed);
  return a;
}

void PasswordAlgorithm::add_to(MessageBuilder& b) const {
  // The attribute length counts the parameters unpadded; the builder pads the value.
  auto out = b.append(kType, kEntryHeader + params.size());
  if (!b.ok()) return;
  store_u16(out.data(), algorithm);
  store_u16(out.data() + 2, static_cast<uint16_t>(params.size()));
  std::ranges::copy(params, out.begin() + kEntryHeader);
}

bool PasswordAlgorithms::add(PasswordAlgorithm a) {
  if (count == kMax) return false;
  items[count++] = a;
  return true;
}

bool PasswordAlgorithms::contains(uint16_t algorithm) const {
  return std::ranges::any_of(list(),
                             [&](const PasswordAlgorithm& a) { return a.algorithm == algorithm; });
}

Result<PasswordAlgorithms, AttrError> PasswordAlgorithms::parse(std::span<const uint8_t> v) {
  PasswordAlgorithms list;
  size_t pos = 0;
  while (pos < v.size()) {
    size_t consumed = 0;
    auto a = parse_entry(v.subspan(pos), consumed);
    if (!a) return unexpected(a.error());
    if (!list.add(*a)) return unexpected(AttrError::Malformed);
    pos += consumed;
  }
  if (list.count == 0) return unexpected(AttrError::Malformed);
  return list;
}

void PasswordAlgorithms::add_to(MessageBuilder& b) const {
  size_t total = 0;
  for (const auto& a : list()) total += entry_size(a);
  auto out = b.append(kType, total);
  if (!b.ok()) return;
  for (const auto& a : list()) {
    write_entry(out.first(entry_size(a)), a);
    out = out.subspan(entry_size(a));
  }
}

Userhash Userhash::compute(std::string_view username, std::string_view realm) {
  Userhash u;
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    &EVP_MD_CTX_free);
  unsigned int len = 0;
  [[maybe_unused]] const bool ok =
      ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1 &&
      EVP_DigestUpdate(ctx.get(), username.data(), username.size()) == 1 &&
      EVP_DigestUpdate(ctx.get(), ":", 1) == 1 &&
      EVP_DigestUpdate(ctx.get(), realm.data(), realm.size()) == 1 &&
      EVP_DigestFinal_ex(ctx.get(), u.hash.data(), &len) == 1;
  assert(ok && len == u.hash.size());
  return u;
}

Result<Userhash, AttrError> Userhash::parse(std::span<const uint8_t> v) {
  Userhash u;
  if (v.size() != u.hash.size()) return unexpected(AttrError::Malformed);
  std::ranges::copy(v, u.hash.begin());
  return u;
}

}  // namespace tern::stun
