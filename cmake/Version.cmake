# The version ternd and ternctl print (--version, the startup log, tern_build_info): the
# project's, plus the git commit when built from a checkout. Read at configure time, so a
# commit made since the last cmake run is not seen; a tarball build has no commit at all.
find_package(Git QUIET)
set(TERN_GIT_REVISION "")
if(GIT_FOUND AND EXISTS ${PROJECT_SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty
                  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  RESULT_VARIABLE git_result OUTPUT_VARIABLE git_out ERROR_QUIET
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(git_result EQUAL 0)
    set(TERN_GIT_REVISION "${git_out}")
  endif()
endif()

configure_file(${CMAKE_CURRENT_LIST_DIR}/version.h.in ${PROJECT_BINARY_DIR}/generated/tern/version.h
               @ONLY)
add_library(tern_version INTERFACE)
target_include_directories(tern_version INTERFACE ${PROJECT_BINARY_DIR}/generated)
