// Reads the config file and argv into settings and applies them through the option table
// (config_options.cpp). Every refusal names where it came from: "file:line" or
// "command line".

#include "server/config/config.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

namespace tern {
namespace {

using config::Arity;
using config::Option;

// One occurrence of an option, from a file line or from argv.
struct Setting {
  const Option* option;  // nullptr for a line or flag refused as it was read
  std::string key;       // as the operator wrote it, for messages
  std::optional<std::string> value;
  std::string where;
  std::string refused;  // the whole message, when option is nullptr
};

// Kept in its place among the settings, so errors are reported in the order written.
Setting refused_setting(std::string where, std::string key, std::string message) {
  return {nullptr, std::move(key), std::nullopt, std::move(where), std::move(message)};
}

std::string refusal(std::string_view where, std::string_view key, std::string_view reason) {
  return std::string(where) + ": " + std::string(key) + ": " + std::string(reason);
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// A '#' starts a comment at the start of a line or after whitespace, never inside "...":
// secrets and passwords may contain '#' ("user=bob:pa#ss").
std::string_view strip_comment(std::string_view line) {
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') quoted = !quoted;
    if (line[i] == '#' && !quoted && (i == 0 || is_space(line[i - 1]))) return line.substr(0, i);
  }
  return line;
}

std::string_view unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

struct Line {
  std::string_view key;
  std::optional<std::string_view> value;
};

// "key=value", "key value", "key = value" or a bare "key"; a leading "--" is tolerated so a
// flag pasted from a command line works.
std::optional<Line> split_line(std::string_view raw) {
  auto line = trim(strip_comment(raw));
  if (line.empty()) return std::nullopt;
  if (line.starts_with("--")) line.remove_prefix(2);
  auto end = line.find_first_of(" \t=");
  Line out{line.substr(0, end), std::nullopt};
  if (end == std::string_view::npos) return out;
  auto rest = trim(line.substr(end));
  if (!rest.empty() && rest.front() == '=') rest = trim(rest.substr(1));
  out.value = unquote(rest);
  return out;
}

std::string unknown_option(std::string_view key) {
  std::string_view bare = key;
  while (bare.starts_with('-')) bare.remove_prefix(1);
  auto near = config::nearest_option(bare);
  if (!near) return "unknown option";
  return "unknown option (did you mean " + std::string(key.starts_with("--") ? "--" : "") +
         std::string(*near) + "?)";
}

// Reads every line, so one run reports all of the file's errors; nullopt only when the
// file cannot be opened at all.
std::optional<std::string> read_file(const std::string& path, std::vector<Setting>& out,
                                     std::vector<std::string>& warnings) {
  std::ifstream in(path);
  if (!in) return path + ": cannot read: " + std::strerror(errno);
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    std::string_view raw = text;
    if (number == 1 && raw.starts_with("\xEF\xBB\xBF")) raw.remove_prefix(3);  // UTF-8 BOM
    auto line = split_line(raw);
    if (!line) continue;
    auto where = path + ":" + std::to_string(number);
    const Option* option = config::find_option(line->key);
    if (option == nullptr) {
      out.push_back(refused_setting(where, std::string(line->key),
                                    refusal(where, line->key, unknown_option(line->key))));
      continue;
    }
    if (config::is_command_line_only(*option)) {
      out.push_back(refused_setting(where, std::string(line->key),
                                    refusal(where, line->key, "only valid on the command line")));
      continue;
    }
    if (line->value && line->value->ends_with(';'))
      warnings.push_back(where + ": " + std::string(line->key) +
                         ": the value ends with ';', which is kept as part of it");
    std::optional<std::string> value;
    if (line->value) value = std::string(*line->value);
    out.push_back({option, std::string(line->key), std::move(value), where, {}});
  }
  return std::nullopt;
}

// Flags follow getopt_long: "--key=value", "--key value", "-k value", "-kvalue"; an
// optional value (stale-nonce) is only taken from "--key=value"; flags never take the next
// argument.
void read_argv(int argc, const char* const* argv, std::vector<Setting>& out) {
  const std::string where = "command line";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    const Option* option = nullptr;
    std::string key;
    std::optional<std::string> value;
    if (arg.starts_with("--") && arg.size() > 2) {
      auto body = arg.substr(2);
      auto eq = body.find('=');
      key = "--" + std::string(body.substr(0, eq));
      option = config::find_option(body.substr(0, eq));
      if (option == nullptr) {
        out.push_back(refused_setting(where, key, refusal(where, key, unknown_option(key))));
        // "--listen-port 3478": the value belongs to the mistyped option, not a new error.
        auto near = config::nearest_option(body.substr(0, eq));
        if (near && eq == std::string_view::npos && i + 1 < argc && argv[i + 1][0] != '-' &&
            config::arity(*config::find_option(*near)) == Arity::Required)
          ++i;
        continue;
      }
      if (eq != std::string_view::npos) value = std::string(body.substr(eq + 1));
    } else if (arg.size() >= 2 && arg[0] == '-' && arg[1] != '-') {
      key = std::string(arg.substr(0, 2));
      option = config::find_short_option(arg[1]);
      if (option == nullptr) {
        out.push_back(refused_setting(where, key, refusal(where, key, "unknown option")));
        continue;
      }
      if (arg.size() > 2) {
        if (config::arity(*option) != Arity::Required) {
          out.push_back(refused_setting(
              where, key, refusal(where, arg, "unknown option (short flags cannot be combined)")));
          continue;
        }
        value = std::string(arg.substr(2));
      }
    } else {
      out.push_back(
          refused_setting(where, std::string(arg),
                          refusal(where, "\"" + std::string(arg) + "\"", "unexpected argument")));
      continue;
    }
    if (config::arity(*option) == Arity::Required && !value) {
      if (i + 1 >= argc) {
        out.push_back(refused_setting(where, key, refusal(where, key, "needs a value")));
        continue;
      }
      value = argv[++i];
    }
    out.push_back({option, std::move(key), std::move(value), where, {}});
  }
}

struct Origin {
  std::string where;
  std::string key;
  size_t order;
};

// Cross-option rules, checked once everything is read. The refusal is placed on whichever
// of the two options was set last, since that is the one the operator just touched.
std::optional<std::string> check_combinations(const Config& c,
                                              const std::map<std::string_view, Origin>& set) {
  auto origin = [&](std::string_view name) -> const Origin* {
    auto it = set.find(name);
    return it == set.end() ? nullptr : &it->second;
  };
  if (c.min_port > c.max_port) {
    const Origin* min = origin("min-port");
    const Origin* max = origin("max-port");
    bool blame_max = max != nullptr && (min == nullptr || max->order > min->order);
    if (blame_max)
      return refusal(
          max->where, max->key,
          std::to_string(c.max_port) + " is below min-port " + std::to_string(c.min_port));
    return refusal(min != nullptr ? min->where : "configuration",
                   min != nullptr ? min->key : "min-port",
                   std::to_string(c.min_port) + " is above max-port " + std::to_string(c.max_port));
  }
  if (c.no_auth && c.use_auth_secret) {
    const Origin* no_auth = origin("no-auth");
    return refusal(no_auth != nullptr ? no_auth->where : "configuration",
                   no_auth != nullptr ? no_auth->key : "no-auth",
                   "cannot be combined with use-auth-secret or static-auth-secret");
  }
  if (c.no_stun && c.stun_only) {
    const Origin* no_stun = origin("no-stun");
    return refusal(no_stun != nullptr ? no_stun->where : "configuration",
                   no_stun != nullptr ? no_stun->key : "no-stun",
                   "cannot be combined with stun-only: nothing would be served");
  }
  return std::nullopt;
}

std::string prometheus_listen(const config::ParseState& s) {
  bool v6 = s.prometheus_address.find(':') != std::string::npos;
  auto host = v6 ? "[" + s.prometheus_address + "]" : s.prometheus_address;
  return host + ":" + std::to_string(s.prometheus_port);
}

bool has(const std::vector<Setting>& settings, std::string_view name, char short_flag) {
  for (const auto& s : settings)
    if (s.option != nullptr && ((!name.empty() && s.option->name == name) ||
                                (short_flag != 0 && s.option->short_flag == short_flag)))
      return true;
  return false;
}

// Every local user can read another process's argv (/proc/PID/cmdline, ps): one warning
// per secret-bearing option found there, never with its value.
void warn_of_secrets_in_argv(const std::vector<Setting>& flags, std::vector<std::string>& out) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kSecrets{{
      {"admin-token", "admin-token-file"},
      {"stateless-nonce-secret", "stateless-nonce-secret-file"},
      {"static-auth-secret", "static-auth-secret-file"},
      {"user", "user-file"},
      {"cli-password", "the config file"},
      {"redis-userdb", "the config file"},
      {"redis-statsdb", "the config file"},
  }};
  std::set<std::string_view> warned;
  for (const auto& f : flags) {
    for (const auto& [name, instead] : kSecrets) {
      if (f.option == nullptr || f.option->name != name || warned.contains(name)) continue;
      // A Redis connection string is a secret only when it carries a password.
      if (name.starts_with("redis") && f.value.value_or("").find("password") == std::string::npos)
        continue;
      warned.insert(name);
      out.push_back("command line: " + f.key +
                    ": secrets on the command line are visible to "
                    "every local user (/proc/PID/cmdline); move it into " +
                    std::string(instead) + " or the config file (mode 0600)");
    }
  }
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

// The file and the command line are two layers, the later overriding the earlier; within
// one of them, a single-valued option given twice is most likely a slip (two realm lines,
// the first forgotten), so it is said.
void warn_of_repeats(const std::vector<Setting>& settings, std::vector<std::string>& warnings) {
  std::map<std::pair<bool, std::string_view>, const Setting*> first;
  for (const auto& s : settings) {
    if (s.option == nullptr || config::is_repeatable(*s.option) ||
        config::is_command_line_only(*s.option))
      continue;
    bool from_argv = s.where == "command line";
    auto [it, inserted] = first.try_emplace({from_argv, s.option->name}, &s);
    if (inserted) continue;
    warnings.push_back(s.where + ": " + s.key + ": given again (first at " + it->second->where +
                       "); the last one applies");
  }
}

}  // namespace

Result<CommandLine, std::string> parse_command_line(int argc, const char* const* argv) {
  std::vector<Setting> flags;
  std::vector<std::string> errors;
  read_argv(argc, argv, flags);

  CommandLine out;
  if (has(flags, "help", 'h')) {
    out.show_help = true;
    return out;
  }
  if (has(flags, "version", 0)) {
    out.show_version = true;
    return out;
  }
  if (has(flags, "print-compat-table", 0)) {
    out.print_compat_table = true;
    return out;
  }
  out.check_config = has(flags, "check-config", 0);

  config::ParseState state;
  std::vector<Setting> settings;
  if (!has(flags, "", 'n')) {
    for (const auto& f : flags)
      if (f.option != nullptr && f.option->name == "config")
        out.config_file = *f.value;  // the last -c wins
    if (!out.config_file.empty())
      if (auto error = read_file(out.config_file, settings, state.warnings))
        errors.push_back(*error);
  }
  settings.insert(settings.end(), flags.begin(), flags.end());
  warn_of_repeats(settings, state.warnings);

  std::map<std::string_view, Origin> set;
  size_t order = 0;
  for (const auto& s : settings) {
    if (s.option == nullptr) {
      errors.push_back(s.refused);
      continue;
    }
    if (config::is_command_line_only(*s.option)) continue;
    size_t warnings_before = state.warnings.size();
    std::optional<std::string_view> value;
    if (s.value) value = *s.value;
    if (auto reason = config::apply(*s.option, state, value)) {
      errors.push_back(refusal(s.where, s.key, *reason));
      continue;
    }
    for (size_t i = warnings_before; i < state.warnings.size(); ++i)
      state.warnings[i] = s.where + ": " + state.warnings[i];
    set[s.option->name] = Origin{s.where, s.key, order++};
  }
  if (auto error = check_combinations(state.config, set)) errors.push_back(*error);
  if (!errors.empty()) return unexpected(joined(errors));
  warn_of_secrets_in_argv(flags, state.warnings);
  if (state.prometheus && state.config.prometheus_listen.empty())
    state.config.prometheus_listen = prometheus_listen(state);

  out.config = std::move(state.config);
  out.warnings = std::move(state.warnings);
  return out;
}

bool apply_default_userdb(Config& config, const std::filesystem::path& default_userdb) {
  if (!config.userdb.empty() || !config.redis_userdb.empty()) return false;
  std::error_code ignored;
  if (!std::filesystem::is_regular_file(default_userdb, ignored)) return false;
  config.userdb = default_userdb.string();
  return true;
}

std::string help_text() {
  auto left_column = [](const Option& o) {
    std::string s = "  ";
    if (o.short_flag != 0) s += std::string("-") + o.short_flag + (o.name.empty() ? "" : ", ");
    if (!o.name.empty()) s += "--" + std::string(o.name);
    if (!o.arg.empty()) s += (o.arg.front() == '[' ? "" : " ") + std::string(o.arg);
    s.resize(std::max<size_t>(s.size() + 1, 42), ' ');
    return s;
  };
  std::string text =
      "Usage: ternd [options]\n"
      "A config file (-c) takes the same names without dashes, one per line: key=value,\n"
      "key value, or a bare key for a flag; flags also accept =on/off. Repeatable options\n"
      "append. Command-line flags apply after the file.\n\n";
  std::string ignored, refused;
  for (const auto& o : config::options()) {
    if (std::holds_alternative<config::Ignored>(o.action)) {
      ignored += left_column(o) + std::string(o.help) + "\n";
      continue;
    }
    if (std::holds_alternative<config::Refused>(o.action)) {
      refused += left_column(o) + std::string(o.help) + "\n";
      continue;
    }
    text += left_column(o) + std::string(o.help);
    if (!o.default_text.empty()) text += " (default: " + std::string(o.default_text) + ")";
    text += "\n";
  }
  return text + "\ncoturn options accepted and ignored, with a warning at startup:\n" + ignored +
         "\ncoturn options refused, since ignoring them would lose something:\n" + refused;
}

}  // namespace tern
