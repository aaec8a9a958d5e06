#include "tests/interop/uclient_output.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <sstream>

namespace tern::test {
namespace {

bool says_error(const std::string& line) {
  std::string lower = line;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("error") != std::string::npos;
}

// "0: : errno=0, err=0, error:0A00042E:SSL routines::tlsv1 alert protocol version (1)"
bool is_tls_version_probe(const std::string& line) {
  return line.find("alert protocol version") != std::string::npos;
}

// "0: : IPv4. Received relay addr: 127.0.0.1:52008" / "0: : IPv6. Received relay addr: ::1:51200"
// (the IPv6 address is not bracketed: the port is what follows the last colon).
std::optional<UclientAllocation> relay_address(const std::string& line) {
  static const std::regex re(R"(Received relay addr: (\S+):(\d+)\s*$)");
  std::smatch m;
  if (!std::regex_search(line, m, re)) return std::nullopt;
  unsigned long port = std::stoul(m[2].str());
  if (port > 65535) return std::nullopt;
  return UclientAllocation{m[1].str(), static_cast<uint16_t>(port), false};
}

// "0: : clnet_allocate: rtv=9980445205789861637" follows each relay address line; a
// non-zero value is the RESERVATION-TOKEN the server returned.
std::optional<bool> reservation_token(const std::string& line) {
  static const std::regex re(R"(clnet_allocate: rtv=(\d+))");
  std::smatch m;
  if (!std::regex_search(line, m, re)) return std::nullopt;
  return m[1].str() != "0";
}

}  // namespace

UclientReport read_uclient_output(const std::string& output, UclientReadOptions options) {
  // "8: : Total lost packets 0 (0.000000%), total send dropped 0 (0.000000%)"
  static const std::regex lost_re(R"(Total lost packets (\d+) \()");
  // "8: : start_mclient: tot_send_msgs=400, tot_recv_msgs=400" (the final tally; the
  // per-second progress lines carry "msz=" between and do not match).
  static const std::regex totals_re(R"(start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+))");

  UclientReport report;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, lost_re)) {
      report.lost = std::stoull(m[1].str());
    } else if (std::regex_search(line, m, totals_re)) {
      report.sent = std::stoull(m[1].str());
      report.received = std::stoull(m[2].str());
    } else if (auto a = relay_address(line)) {
      report.allocations.push_back(*a);
    } else if (auto reserved = reservation_token(line)) {
      if (!report.allocations.empty()) report.allocations.back().reserved_next_port = *reserved;
    }
    if (says_error(line) && !(options.tls_version_probing && is_tls_version_probe(line))) {
      report.error_lines.push_back(line);
    }
  }
  return report;
}

std::optional<std::string> even_port_pair_violation(
    const std::vector<UclientAllocation>& allocations) {
  for (size_t i = 0; i < allocations.size(); ++i) {
    const auto& first = allocations[i];
    if (!first.reserved_next_port) continue;
    std::string where = "allocation " + std::to_string(i) + " (" + first.relay_ip + ":" +
                        std::to_string(first.relay_port) + ")";
    if (first.relay_port % 2 != 0) return where + " reserved the next port but is odd";
    if (i + 1 == allocations.size()) return where + " reserved a port nobody allocated";
    const auto& second = allocations[i + 1];
    if (second.relay_ip != first.relay_ip || second.relay_port != first.relay_port + 1) {
      return where + " reserved the next port, but the allocation with its token got " +
             second.relay_ip + ":" + std::to_string(second.relay_port);
    }
  }
  return std::nullopt;
}

}  // namespace tern::test
