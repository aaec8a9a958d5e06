# ctest packaging_unit: ternd.service is a Type=notify unit with a watchdog and the
# sandbox the package promises, and (where systemd-analyze exists) systemd parses every
# line of it: `systemd-analyze verify` only warns about a line it ignores, so any output
# fails the check (the man pages it would look for are installed by the package, not here).
# cmake -DUNIT=<ternd.service> -DTERND=<ternd> -DWORK=<scratch dir> [-DANALYZE=<systemd-analyze>]
#       -P check_unit.cmake

file(READ ${UNIT} unit)
foreach(line "Type=notify" "NotifyAccess=main" "WatchdogSec=30" "SystemCallFilter=@system-service"
             "ProtectProc=invisible" "ProcSubset=pid" "ExecReload=/bin/kill -HUP \\$MAINPID")
  if(NOT unit MATCHES "\n${line}\n")
    message(SEND_ERROR "ternd.service: no line '${line}'")
  endif()
endforeach()

if(ANALYZE)
  # The unit as installed names /usr/sbin/ternd, which a build machine may not have.
  string(REPLACE "/usr/sbin/ternd" "${TERND}" local_unit "${unit}")
  file(REMOVE_RECURSE ${WORK})
  file(WRITE ${WORK}/ternd.service "${local_unit}")
  execute_process(COMMAND ${ANALYZE} verify --man=no ${WORK}/ternd.service RESULT_VARIABLE result
                  OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT result EQUAL 0 OR NOT out STREQUAL "")
    message(SEND_ERROR "systemd-analyze verify ternd.service:\n${out}")
  endif()
endif()
