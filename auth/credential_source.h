#pragma once
// Where keys come from: the answer to "which keys may this username have". Several stores
// implement it (static --user entries, REST-API shared secrets, sqlite, redis), and the
// authenticator tries every candidate, so a secret being rotated can be valid twice.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "auth/long_term_key.h"

namespace tern::auth {

struct LookupScratch;

// A fixed-capacity list, so a lookup on the packet path allocates nothing.
class CandidateKeys {
 public:
  static constexpr size_t kCapacity = 8;

  // False (and nothing added) when full.
  bool add(const Key& key) {
    if (size_ == kCapacity) return false;
    keys_[size_++] = key;
    return true;
  }
  std::span<const Key> keys() const { return std::span(keys_).first(size_); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }

 private:
  std::array<Key, kCapacity> keys_{};
  size_t size_ = 0;
};

class CredentialSource {
 public:
  virtual ~CredentialSource() = default;

  // Appends to `out` the keys of `algorithm` that `username` may use in `realm` at time
  // `now` (seconds since the epoch); false when there are none (unknown or expired user).
  // Never blocks: implementations answer from memory. Called from every worker thread
  // at once, so implementations are thread-safe for concurrent lookups.
  virtual bool lookup(std::string_view username, std::string_view realm,
                      PasswordAlgorithm algorithm, int64_t now, CandidateKeys& out) const = 0;
  // The same answer for one worker, which keeps `scratch` (auth/lookup_scratch.h) between
  // calls: a source that derives keys (REST secrets) keeps its key schedules there instead
  // of setting them up per request. Sources with nothing to keep answer as lookup().
  virtual bool lookup_for_worker(std::string_view username, std::string_view realm,
                                 PasswordAlgorithm algorithm, int64_t now, CandidateKeys& out,
                                 LookupScratch& scratch) const {
    (void)scratch;
    return lookup(username, realm, algorithm, now, out);
  }

  // Whether `username` is one this source would know but for its time having passed (a
  // REST API username whose expiry is before `now`): the log names that reason, and it
  // costs no guessing budget since no password can make it work.
  virtual bool is_expired(std::string_view username, int64_t now) const {
    (void)username;
    (void)now;
    return false;
  }
  // Whether `username` was revoked before it expired: like is_expired, its own reason.
  virtual bool is_revoked(std::string_view username, int64_t now) const {
    (void)username;
    (void)now;
    return false;
  }

  // USERHASH support (RFC 8489 §14.4): the username whose SHA-256(username ":" realm) is
  // `hash`. Only stores that know their usernames in advance can answer.
  virtual std::optional<std::string> username_for_userhash(std::span<const uint8_t, 32> hash,
                                                           std::string_view realm) const {
    (void)hash;
    (void)realm;
    return std::nullopt;
  }
  // Whether username_for_userhash can ever answer; decides the username-anonymity bit the
  // server advertises in its nonces.
  virtual bool supports_userhash() const { return false; }
};

}  // namespace tern::auth
