#pragma once
// The credential sources a server consults in turn (--user, --userdb, REST secrets): the
// first that knows a username answers. A revoked username (auth/revocations.h) is known to
// none of them, and is_revoked names the reason.

#include <memory>
#include <vector>

#include "auth/credential_source.h"
#include "auth/revocations.h"

namespace tern {

class CredentialChain final : public auth::CredentialSource {
 public:
  void add(std::unique_ptr<auth::CredentialSource> source) {
    sources_.push_back(std::move(source));
  }
  bool empty() const { return sources_.empty(); }
  // `revoked` must outlive the chain.
  void set_revocations(const auth::Revocations* revoked) { revoked_ = revoked; }

  bool lookup(std::string_view username, std::string_view realm, auth::PasswordAlgorithm algorithm,
              int64_t now, auth::CandidateKeys& out) const override {
    if (is_revoked(username, now)) return false;
    bool found = false;
    for (const auto& s : sources_) found |= s->lookup(username, realm, algorithm, now, out);
    return found;
  }
  bool lookup_for_worker(std::string_view username, std::string_view realm,
                         auth::PasswordAlgorithm algorithm, int64_t now, auth::CandidateKeys& out,
                         auth::LookupScratch& scratch) const override {
    if (is_revoked(username, now)) return false;
    bool found = false;
    for (const auto& s : sources_) {
      found |= s->lookup_for_worker(username, realm, algorithm, now, out, scratch);
    }
    return found;
  }
  bool is_expired(std::string_view username, int64_t now) const override {
    for (const auto& s : sources_) {
      if (s->is_expired(username, now)) return true;
    }
    return false;
  }
  std::optional<std::string> username_for_userhash(std::span<const uint8_t, 32> hash,
                                                   std::string_view realm) const override {
    for (const auto& s : sources_) {
      if (auto u = s->username_for_userhash(hash, realm)) return u;
    }
    return std::nullopt;
  }
  bool supports_userhash() const override {
    for (const auto& s : sources_) {
      if (s->supports_userhash()) return true;
    }
    return false;
  }
  bool is_revoked(std::string_view username, int64_t now) const override {
    return revoked_ != nullptr && revoked_->revoked(username, now);
  }

 private:
  std::vector<std::unique_ptr<auth::CredentialSource>> sources_;
  const auth::Revocations* revoked_ = nullptr;
};

}  // namespace tern
