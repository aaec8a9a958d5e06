# ctest packaging_unit: ternd.service is a Type=notify unit with a watchdog and the
# sandbox the package promises, and (where systemd-analyze exists) systemd parses every
# line of it: `systemd-analyze verify` only warns about a line it ignores, so any output
# fails the check (the man pages it would look for are installed by the package, not here).
# ternd@.service (TEMPLATE), made from it at configure time, gets the same checks plus its
# per-instance lines, parsed as instance ternd@a.
# cmake -DUNIT=<ternd.service> -DTEMPLATE=<ternd@.service> -DTERND=<ternd> -DWORK=<scratch dir>
#       [-DANALYZE=<systemd-analyze>] -P check_unit.cmake

file(REMOVE_RECURSE ${WORK})

function(check_unit path name)
  file(READ ${path} unit)
  foreach(line "Type=notify" "NotifyAccess=main" "WatchdogSec=30" "SystemCallFilter=@system-service"
               "ProtectProc=invisible" "ProcSubset=pid" "ExecReload=/bin/kill -HUP \\$MAINPID"
               ${ARGN})
    if(NOT unit MATCHES "\n${line}\n")
      message(SEND_ERROR "${name}: no line '${line}'")
    endif()
  endforeach()

  if(ANALYZE)
    # The unit as installed names /usr/sbin/ternd, which a build machine may not have.
    string(REPLACE "/usr/sbin/ternd" "${TERND}" local_unit "${unit}")
    file(WRITE ${WORK}/${name} "${local_unit}")
    execute_process(COMMAND ${ANALYZE} verify --man=no ${WORK}/${name} RESULT_VARIABLE result
                    OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT result EQUAL 0 OR NOT out STREQUAL "")
      message(SEND_ERROR "systemd-analyze verify ${name}:\n${out}")
    endif()
  endif()
endfunction()

check_unit(${UNIT} ternd.service "ExecStart=/usr/sbin/ternd -c /etc/tern/ternd.conf"
           "RuntimeDirectory=tern")
if(TEMPLATE)
  # Each instance: its own config, node id, log file and admin token; a runtime directory
  # no other unit removes when it stops.
  check_unit(${TEMPLATE} ternd@a.service
             "ExecStart=/usr/sbin/ternd -c /etc/tern/ternd-%i.conf --node-id %H-%i --log-file /var/log/tern/ternd-%i.log --admin-token-file /run/tern-%i/admin-token"
             "RuntimeDirectory=tern-%i")
endif()
