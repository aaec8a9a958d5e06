# ctest packaging_deb_contents: cpack -G DEB into WORK, then the package as dpkg sees it.
# cmake -DBINARY_DIR=<build tree> -DTERND=<ternd> -DWORK=<scratch dir> -P check_deb.cmake

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${CMAKE_CPACK_COMMAND} -G DEB -B ${WORK}
                        --config ${BINARY_DIR}/CPackConfig.cmake
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cpack failed:\n${out}")
endif()
file(GLOB debs ${WORK}/tern_*.deb)
list(LENGTH debs count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "expected one tern_*.deb in ${WORK}, found: ${debs}\n${out}")
endif()

# dpkg-deb with the given arguments (the package among them); its output in out_var.
function(dpkg_deb out_var)
  execute_process(COMMAND dpkg-deb ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE text
                  ERROR_VARIABLE text)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "dpkg-deb ${ARGN} failed:\n${text}")
  endif()
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

# Fails unless text matches every regex; says which and shows the text.
function(expect what text)
  foreach(regex IN LISTS ARGN)
    if(NOT text MATCHES "${regex}")
      message(SEND_ERROR "${what}: no match for '${regex}' in:\n${text}")
    endif()
  endforeach()
endfunction()

dpkg_deb(contents -c ${debs})
expect("dpkg-deb -c" "${contents}"
  "-rwxr-xr-x root/root [^\n]* \\./usr/sbin/ternd\n"
  "-rwxr-xr-x root/root [^\n]* \\./usr/bin/ternctl\n"
  "-rw-r--r-- root/root [^\n]* \\./lib/systemd/system/ternd\\.service\n"
  "-rw-r--r-- root/root [^\n]* \\./lib/systemd/system/ternd@\\.service\n"
  "-rw-r----- root/root [^\n]* \\./etc/tern/ternd\\.conf\n"
  "-rw-r--r-- root/root [^\n]* \\./etc/logrotate\\.d/tern\n"
  "-rw-r--r-- root/root [^\n]* \\./usr/share/man/man8/ternd\\.8\\.gz\n"
  "-rw-r--r-- root/root [^\n]* \\./usr/share/man/man1/ternctl\\.1\\.gz\n"
  "-rw-r--r-- root/root [^\n]* \\./usr/share/doc/tern/copyright\n"
  "-rw-r--r-- root/root [^\n]* \\./usr/share/doc/tern/changelog\\.gz\n"
  "-rw-r--r-- root/root [^\n]* \\./usr/share/doc/tern/README\\.md\n")
# Nothing from the build or test trees (gtest, fuzzers, headers) rides along.
if(contents MATCHES "gtest|fuzz|/include/|\\.a\n")
  message(SEND_ERROR "unexpected files in the package:\n${contents}")
endif()

dpkg_deb(info -I ${debs})
expect("dpkg-deb -I" "${info}"
  "Package: tern\n"
  "Architecture: [a-z0-9]+\n"
  "Section: net\n"
  # From dpkg-shlibdeps: the libraries ternd and ternctl link.
  "Depends: [^\n]*libc6"
  "Depends: [^\n]*libevent"
  "Depends: [^\n]*libssl3"
  "Depends: [^\n]*libsqlite3"
  "Depends: [^\n]*libsystemd0"
  "[0-9] lines +conffiles"
  "[*] +postinst +#!/bin/sh"
  "[*] +prerm +#!/bin/sh"
  "[*] +postrm +#!/bin/sh")

dpkg_deb(conffiles --info ${debs} conffiles)
expect("conffiles" "${conffiles}" "^/etc/tern/ternd\\.conf\n/etc/logrotate\\.d/tern\n$")

dpkg_deb(ignored -x ${debs} ${WORK}/root)
file(READ ${WORK}/root/etc/tern/ternd.conf conf)
# The service's paths are on; the full sample follows, everything else commented out.
expect("packaged ternd.conf" "${conf}" "\nlog-file=/var/log/tern/ternd\\.log\n"
       "\n#userdb=/var/lib/tern/tern\\.db\n" "\n#listening-port=3478\n")
file(READ ${WORK}/root/lib/systemd/system/ternd.service unit)
expect("ternd.service" "${unit}" "\nExecStart=/usr/sbin/ternd -c /etc/tern/ternd\\.conf\n"
       "\nUser=tern\n" "\nExecReload=/bin/kill -HUP \\$MAINPID\n" "\nType=notify\n"
       "\nNotifyAccess=main\n" "\nWatchdogSec=[1-9][0-9]*\n" "\nSystemCallFilter=@system-service\n"
       "\nProtectProc=invisible\n" "\nProcSubset=pid\n"
       "\nDocumentation=man:ternd\\(8\\) man:ternctl\\(1\\) file:/usr/share/doc/tern/README\\.md\n")

# The docs as installed: gzip'd man pages that groff reads, a DEP-5 copyright, and a
# changelog whose top entry is the package's version.
set(root ${WORK}/root/usr/share)
foreach(page IN ITEMS man8/ternd.8.gz man1/ternctl.1.gz)
  execute_process(COMMAND gzip -dc ${root}/man/${page} OUTPUT_VARIABLE text RESULT_VARIABLE result)
  expect("${page}, gunzipped (gzip exit ${result})" "${text}" "^\\.\\\\\" " "\n\\.TH [A-Z]+ [18] ")
endforeach()
file(READ ${root}/doc/tern/copyright copyright)
expect("copyright" "${copyright}" "^Format: https://www\\.debian\\.org/doc/packaging-manuals/copyright-format/1\\.0/\n"
       "\nFiles: \\*\n" "\nCopyright: " "\nLicense: ")
execute_process(COMMAND gzip -dc ${root}/doc/tern/changelog.gz OUTPUT_VARIABLE changelog
                RESULT_VARIABLE result)
string(REGEX MATCH "Version: ([^\n]+)" ignored "${info}")
set(version "${CMAKE_MATCH_1}")
string(REPLACE "." "\\." version_regex "${version}")
expect("changelog.gz (gzip exit ${result}), for Version ${version}" "${changelog}"
       "^tern \\(${version_regex}\\) " "\n -- [^\n]+>  [A-Z][a-z][a-z], ")

# The packaged config, as installed, starts ternd (its log redirected here, and a loopback
# port, so the check needs neither root nor the default ports).
string(RANDOM LENGTH 4 ALPHABET 0123456789 suffix)
math(EXPR port "20000 + ${suffix}")
execute_process(COMMAND ${TERND} -c ${WORK}/root/etc/tern/ternd.conf --log-file stdout
                        --listening-ip 127.0.0.1 --listening-port ${port} --relay-threads 1
                TIMEOUT 3 OUTPUT_VARIABLE started ERROR_VARIABLE started)
expect("ternd -c <packaged ternd.conf>" "${started}" "ternd ready")
