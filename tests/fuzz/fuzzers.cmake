# The fuzz targets, read by both the main build (which runs them briefly as tests) and the
# clang sub-build (which builds them). Adding a target: fuzz_<name>.cpp, a seed corpus in
# corpus/<name>/, optionally <name>.dict, and one line here.

# name -> the libraries its fuzz_<name>.cpp links.
set(TERN_FUZZERS message stream auth stream_connection json admin_http config ip_range
    redis_connection_string redis_reply sqlite_store proxy_protocol server)
set(tern_fuzz_libs_message tern_protocol)
set(tern_fuzz_libs_stream tern_protocol)
set(tern_fuzz_libs_auth tern_auth)
set(tern_fuzz_libs_stream_connection tern_server)
set(tern_fuzz_libs_json tern_admin tern_server)
set(tern_fuzz_libs_admin_http tern_admin tern_server)
set(tern_fuzz_libs_config tern_server)
set(tern_fuzz_libs_ip_range tern_base)
set(tern_fuzz_libs_redis_connection_string tern_base_redis)
set(tern_fuzz_libs_redis_reply tern_auth tern_base)
set(tern_fuzz_libs_sqlite_store tern_auth)
set(tern_fuzz_libs_proxy_protocol tern_base)
set(tern_fuzz_libs_server tern_server)

# Longest input a target is given (libFuzzer's -max_len); its default is the seeds' size,
# at least 4096. Streams carry frames up to 64 KiB.
set(tern_fuzz_max_len_stream 70000)
set(tern_fuzz_max_len_stream_connection 140000)

# make test's run per target: all of them together stay around a minute of wall time.
set(TERN_FUZZ_TEST_SECONDS 6)

# A bounded run over a copy of the seed corpus; the working corpus, and the input of any
# crash, stay in the build tree. The test fails when the fuzzer finds a crash.
# `seed` 0 means a random one (make fuzz); make test passes a fixed seed, so that what CI
# explores is what a run here explored (a slower machine walks a shorter stretch of the
# same path), and a flaky finding cannot fail one landing and pass the next.
function(tern_add_fuzz_test name binary seconds seed)
  set(dir ${PROJECT_SOURCE_DIR}/tests/fuzz)
  set(dict "")
  if(EXISTS ${dir}/${name}.dict)
    set(dict ${dir}/${name}.dict)
  elseif(name MATCHES "^(message|stream|stream_connection|server)$")
    set(dict ${dir}/stun.dict)
  endif()
  set(max_len 0)
  if(DEFINED tern_fuzz_max_len_${name})
    set(max_len ${tern_fuzz_max_len_${name}})
  endif()
  set(work ${CMAKE_CURRENT_BINARY_DIR}/fuzz-work)
  add_test(NAME fuzz_${name}
           COMMAND ${CMAKE_COMMAND}
                   -DFUZZER=${binary}
                   -DSEEDS=${dir}/corpus/${name}
                   -DWORK=${work}/corpus/${name}
                   -DARTIFACTS=${work}/crashes/${name}
                   -DDICT=${dict}
                   -DMAX_LEN=${max_len}
                   -DSECONDS=${seconds}
                   -DSEED=${seed}
                   -P ${dir}/run_fuzzer.cmake)
  # Generous: the fuzzer stops itself after `seconds`; this catches a hang in startup.
  math(EXPR timeout "${seconds} * 2 + 120")
  set_tests_properties(fuzz_${name} PROPERTIES TIMEOUT ${timeout} LABELS fuzz)
endfunction()
