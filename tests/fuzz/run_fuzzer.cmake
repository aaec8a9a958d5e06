# Runs one libFuzzer binary for a bounded time: cmake -DFUZZER= -DSEEDS= -DWORK=
# -DARTIFACTS= -DSECONDS= [-DDICT=] [-DMAX_LEN=] -P run_fuzzer.cmake. Fails when the
# fuzzer does.

foreach(var FUZZER SEEDS WORK ARTIFACTS SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${var}= is required")
  endif()
endforeach()
if(NOT EXISTS ${FUZZER})
  message(FATAL_ERROR "${FUZZER} is not built (the fuzz sub-build needs clang and "
                      "libclang-rt-14-dev: make test-deps)")
endif()

# The working corpus starts as a copy of the seeds and keeps what earlier runs found,
# so local runs build on each other; the source tree is never written to.
file(MAKE_DIRECTORY ${WORK} ${ARTIFACTS})
file(GLOB seeds ${SEEDS}/*)
if(seeds)
  file(COPY ${seeds} DESTINATION ${WORK})
endif()

set(options -max_total_time=${SECONDS} -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
            -artifact_prefix=${ARTIFACTS}/)
if(DICT)
  list(APPEND options -dict=${DICT})
endif()
if(MAX_LEN)
  list(APPEND options -max_len=${MAX_LEN})
endif()

execute_process(COMMAND ${FUZZER} ${options} ${WORK} RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  file(GLOB found ${ARTIFACTS}/*)
  message(FATAL_ERROR "${FUZZER} failed (${result}); inputs in ${ARTIFACTS}: ${found}\n"
                      "reproduce with: ${FUZZER} <input>; then copy the input into "
                      "tests/fuzz/corpus/<name>/ as a regression seed")
endif()
