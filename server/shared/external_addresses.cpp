#include "server/shared/external_addresses.h"

#include "base/socket_address.h"

namespace tern {

Result<ExternalAddresses, std::string> ExternalAddresses::parse(
    const std::vector<std::string>& entries, const std::vector<TransportAddress>& relay_ips) {
  ExternalAddresses out;
  for (const auto& e : entries) {
    const auto slash = e.find('/');
    auto pub = parse_ip(e.substr(0, slash));
    if (!pub) return unexpected("external-ip: \"" + e + "\": not an IP address");
    std::optional<TransportAddress> priv;
    if (slash != std::string::npos) {
      priv = parse_ip(e.substr(slash + 1));
      if (!priv) return unexpected("external-ip: \"" + e + "\": private part is not an IP");
    } else {
      for (const auto& r : relay_ips) {
        if (r.family != pub->family) continue;
        if (priv) {
          return unexpected("external-ip: \"" + e +
                            "\": several relay addresses of this family; write PUBLIC/PRIVATE");
        }
        priv = r;
        priv->port = 0;
      }
      if (!priv) {
        return unexpected("external-ip: \"" + e + "\": no relay address of the same family");
      }
    }
    if (priv->family != pub->family) {
      return unexpected("external-ip: \"" + e + "\": public and private differ in family");
    }
    out.pairs_.push_back({*pub, *priv});
  }
  return out;
}

TransportAddress ExternalAddresses::advertised(const TransportAddress& actual) const {
  for (const auto& p : pairs_) {
    if (same_ip(p.private_ip, actual)) {
      TransportAddress t = p.public_ip;
      t.port = actual.port;
      return t;
    }
  }
  return actual;
}

TransportAddress ExternalAddresses::actual(const TransportAddress& advertised) const {
  for (const auto& p : pairs_) {
    if (same_ip(p.public_ip, advertised)) {
      TransportAddress t = p.private_ip;
      t.port = advertised.port;
      return t;
    }
  }
  return advertised;
}

std::vector<TransportAddress> ExternalAddresses::public_ips() const {
  std::vector<TransportAddress> out;
  for (const auto& p : pairs_) out.push_back(p.public_ip);
  return out;
}

}  // namespace tern
