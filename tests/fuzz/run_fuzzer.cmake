# Runs one libFuzzer binary for a bounded time: cmake -DFUZZER= -DSEEDS= -DWORK=
# -DARTIFACTS= -DDICT= -DSECONDS= -P run_fuzzer.cmake. Fails when the fuzzer does.

foreach(var FUZZER SEEDS WORK ARTIFACTS DICT SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${var}= is required")
  endif()
endforeach()

# The working corpus starts as a copy of the seeds and keeps what earlier runs found,
# so local runs build on each other; the source tree is never written to.
file(MAKE_DIRECTORY ${WORK} ${ARTIFACTS})
file(GLOB seeds ${SEEDS}/*)
file(COPY ${seeds} DESTINATION ${WORK})

execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -rss_limit_mb=2048 -timeout=10
          -print_final_stats=1 -dict=${DICT} -artifact_prefix=${ARTIFACTS}/ ${WORK}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  file(GLOB found ${ARTIFACTS}/*)
  message(FATAL_ERROR "${FUZZER} failed (${result}); inputs in ${ARTIFACTS}: ${found}\n"
                      "reproduce with: ${FUZZER} <input>")
endif()
