#include "server/config/man_page.h"

#include <variant>

#include "server/config/config.h"
#include "tern/version.h"

namespace tern {
namespace {

// Text for a roff body line: backslashes escaped, and a leading '.' or '\'' (which roff
// would read as a request) guarded with the zero-width \&.
std::string roff_text(std::string_view text) {
  std::string out;
  for (char c : text) out += c == '\\' ? std::string("\\e") : std::string(1, c);
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
  return out;
}

// Option names and flags are typed as shown, so their dashes are minus signs (\-): the
// ASCII '-' a reader can copy, not a typographic hyphen.
std::string roff_flag(std::string_view flag) {
  std::string out;
  for (char c : flag) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

// ".TP" and the tag line: "-p, --listening-port <port>".
std::string option_tag(const config::Option& o) {
  std::string tag = ".TP\n";
  if (o.short_flag != 0) {
    tag += "\\fB\\-" + std::string(1, o.short_flag) + "\\fR";
    if (!o.name.empty()) tag += ", ";
  }
  if (!o.name.empty()) tag += "\\fB" + roff_flag("--" + std::string(o.name)) + "\\fR";
  if (!o.arg.empty())
    tag += (o.arg.front() == '[' ? "" : " ") + std::string("\\fI") + roff_text(o.arg) + "\\fR";
  return tag + "\n";
}

std::string options_section() {
  std::string main, ignored, refused;
  for (const auto& o : config::options()) {
    std::string entry = option_tag(o) + roff_text(o.help);
    if (std::holds_alternative<config::Ignored>(o.action)) {
      ignored += entry + "\n";
      continue;
    }
    if (std::holds_alternative<config::Refused>(o.action)) {
      refused += entry + "\n";
      continue;
    }
    if (!o.default_text.empty()) entry += " (default: " + roff_text(o.default_text) + ")";
    main += entry + "\n";
  }
  return ".SH OPTIONS\n"
         "Every option can be given on the command line with two dashes, or in the\n"
         "configuration file without them.\n" +
         main +
         ".SH COTURN OPTIONS ACCEPTED AND IGNORED\n"
         "So that a coturn configuration still starts, these are accepted with a warning\n"
         "at startup and change nothing.\n" +
         ignored +
         ".SH COTURN OPTIONS REFUSED\n"
         "Ignoring these would lose users, a limit or a check, so they stop startup with\n"
         "the reason.\n" +
         refused;
}

constexpr std::string_view kHead = R"(.SH NAME
ternd \- STUN/TURN relay server for WebRTC
.SH SYNOPSIS
.B ternd
.RB [ \-c
.IR file ]
.RI [ options ]
.SH DESCRIPTION
.B ternd
is a STUN (RFC 8489) and TURN (RFC 8656) server: a public STUN endpoint and the relay
that carries media and data when two WebRTC peers cannot reach each other directly.
It reads coturn's option names and configuration file syntax, so an existing
.B turnserver.conf
keeps working.
.PP
TURN always authenticates with long-term credentials: static users, an SQLite store
managed with
.BR ternctl (1),
a Redis store with coturn's key layout, or TURN REST API shared secrets.
)";

constexpr std::string_view kTail = R"(.SH CONFIGURATION FILE
One option per line:
.IR key = value ,
.I key value
or a bare
.I key
for a flag (flags also take
.BR =on / off ).
.B #
starts a comment. Repeatable options append to a list. Flags on the command line apply
after the file. A bad option or line stops startup with the file, line, option and
reason; every such error is reported at once, and
.B \-\-check\-config
reports them without starting.
.SH SIGNALS
.TP
.BR SIGTERM ", " SIGINT
Stop cleanly, logging a last line of counters.
.TP
.B SIGHUP
Reopen the log file (for logrotate) and re-read the configuration, as
.B ternctl reload
does: the TLS certificate, key and cipher list (for new connections), users, secrets,
quotas, max-bps, lifetimes, the peer policy, and the log file and level change; every
allocation, channel and TCP/TLS connection stays. A configuration that does not parse,
or that changes what needs a restart (listeners, relay addresses, realm, stores), is
refused whole and logged with its file, line, option and reason; the one in force stays.
.TP
.B SIGUSR2
Reload the TLS certificate and key only (coturn's meaning); connections stay.
.TP
.B SIGUSR1
Drain: take no new allocation (300 Try Alternate to an
.BR alternate\-server ,
else 403), keep the ones there are, and exit 0 once the last has ended or
.B drain\-timeout
has passed.
.SH EXIT STATUS
0 after a clean stop, or after
.B \-\-help
and
.BR \-\-version ;
1 when startup fails (a port in use, an unreadable certificate); 2 for a bad option or
configuration file.
.SH FILES
.TP
.I /etc/tern/ternd.conf
The configuration file of the packaged service.
.TP
.I /var/lib/tern/tern.db
The SQLite user store, read when it exists and no other store is named.
.TP
.I /run/tern/admin\-token
The admin API token that
.BR ternctl (1)
reads.
.TP
.I /usr/share/doc/tern/README.md
The full guide: credentials, TLS, WebRTC, operations.
.SH SEE ALSO
.BR ternctl (1),
.BR turnserver (1)
)";

}  // namespace

std::string ternd_man_page(std::string_view date) {
  std::string page =
      ".\\\" Generated from ternd's option table (server/man_page.cpp); do not edit.\n";
  page += ".TH TERND 8 \"" + std::string(date) + "\" \"tern " + std::string(kVersion) +
          "\" \"System Administration\"\n";
  return page + std::string(kHead) + options_section() + std::string(kTail);
}

}  // namespace tern
