#pragma once
// The users of `user=` lines and user-file, as one credential source a reload can replace
// whole: lookups running meanwhile finish with the users they started with.

#include <memory>

#include "auth/snapshot_cell.h"
#include "auth/static_users.h"

namespace tern {

class StaticUserSlot final : public auth::CredentialSource {
 public:
  explicit StaticUserSlot(std::shared_ptr<const auth::StaticUsers> users)
      : cell_(std::move(users)) {}

  void replace(std::shared_ptr<const auth::StaticUsers> users) { cell_.set(std::move(users)); }
  size_t size() const { return cell_.get()->size(); }

  bool lookup(std::string_view username, std::string_view realm, auth::PasswordAlgorithm algorithm,
              int64_t now, auth::CandidateKeys& out) const override {
    return cell_.get()->lookup(username, realm, algorithm, now, out);
  }
  std::optional<std::string> username_for_userhash(std::span<const uint8_t, 32> hash,
                                                   std::string_view realm) const override {
    return cell_.get()->username_for_userhash(hash, realm);
  }
  bool supports_userhash() const override { return size() > 0; }

 private:
  auth::SnapshotCell<auth::StaticUsers> cell_;
};

}  // namespace tern
