#include "server/config/compat_table.h"

#include <algorithm>
#include <cctype>
#include <variant>
#include <vector>

#include "server/config/config.h"

namespace tern {
namespace {

// A '|' would end the cell.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string names(const config::Option& o) {
  std::string out;
  if (!o.name.empty()) out = "`" + std::string(o.name) + "`";
  if (o.short_flag != 0) out += (out.empty() ? "" : " ") + std::string("`-") + o.short_flag + "`";
  return out;
}

std::string_view what_tern_does(const config::Option& o) {
  if (std::holds_alternative<config::Ignored>(o.action)) return "accepted, changes nothing";
  if (std::holds_alternative<config::Refused>(o.action)) return "**refused**";
  if (o.help.find("tern's own") != std::string_view::npos) return "tern's own";
  return "yes";
}

// The help, and the default where the option has one in tern.
std::string notes(const config::Option& o) {
  std::string text = cell(o.help);
  bool has_effect = !std::holds_alternative<config::Ignored>(o.action) &&
                    !std::holds_alternative<config::Refused>(o.action);
  if (has_effect && !o.default_text.empty()) text += " (default: " + cell(o.default_text) + ")";
  return text;
}

std::string sort_key(const config::Option& o) {
  std::string key(o.name.empty() ? std::string_view(&o.short_flag, 1) : o.name);
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return key;
}

}  // namespace

std::string compat_table() {
  std::vector<const config::Option*> rows;
  for (const auto& o : config::options()) rows.push_back(&o);
  std::stable_sort(rows.begin(), rows.end(),
                   [](auto* a, auto* b) { return sort_key(*a) < sort_key(*b); });
  std::string table = "| Option | In tern | What it does, or why not |\n| --- | --- | --- |\n";
  for (const auto* o : rows)
    table +=
        "| " + names(*o) + " | " + std::string(what_tern_does(*o)) + " | " + notes(*o) + " |\n";
  return table;
}

}  // namespace tern
