#pragma once
// A real ternd for ternctl's tests of the live commands: UDP only on a free 127.0.0.1
// port, the admin API on a unix socket in the test's directory (or a given TCP port),
// stopped (SIGTERM) by the destructor.

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/admin/http_probe.h"
#include "tests/admin/test_files.h"

#ifndef TERND_PATH
#error "TERND_PATH must name the ternd binary (admin/CMakeLists.txt sets it)"
#endif

extern char** environ;

namespace tern::admin_test {

class TerndChild {
 public:
  static constexpr const char* kToken = "ternctl-test-token";

  // Null when ternd would not start (three ports tried); the log is in `dir`.
  // `admin_port` 0: the admin API on `dir`/admin.sock.
  static std::unique_ptr<TerndChild> start(const std::string& dir,
                                           std::vector<std::string> extra = {},
                                           uint16_t admin_port = 0) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto child = std::unique_ptr<TerndChild>(new TerndChild(dir, admin_port));
      if (child->launch(extra)) return child;
    }
    return nullptr;
  }
  TerndChild(const TerndChild&) = delete;
  TerndChild& operator=(const TerndChild&) = delete;
  ~TerndChild() { stop(); }

  uint16_t port() const { return port_; }
  // What ternctl's --server takes: the socket path or 127.0.0.1:port.
  const std::string& admin() const { return admin_; }
  std::string log() const { return read_file(dir_ + "/ternd.log"); }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  TerndChild(std::string dir, uint16_t admin_port)
      : dir_(std::move(dir)),
        admin_(admin_port ? "127.0.0.1:" + std::to_string(admin_port) : dir_ + "/admin.sock"),
        admin_port_(admin_port) {}

  static uint16_t free_udp_port() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    ::close(fd);
    return ntohs(sa.sin_port);
  }

  bool launch(const std::vector<std::string>& extra) {
    port_ = free_udp_port();
    std::vector<std::string> args = {TERND_PATH,
                                     "--listening-ip",
                                     "127.0.0.1",
                                     "--listening-port",
                                     std::to_string(port_),
                                     "--no-tcp",
                                     "--no-tls",
                                     "--relay-threads",
                                     "2",
                                     "--log-file",
                                     dir_ + "/ternd.log",
                                     "--admin-listen",
                                     admin_,
                                     "--admin-token",
                                     kToken};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string out = dir_ + "/ternd.stdout";
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      return false;
    }
    // Ready once the admin API answers, which is after every listener is open.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      auto r = admin_port_ ? http("GET", "/v1/stats", kToken, admin_port_)
                           : http("GET", "/v1/stats", kToken, 0, admin_);
      if (r && r->status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    return false;
  }

  std::string dir_;
  std::string admin_;
  uint16_t admin_port_ = 0;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace tern::admin_test
