# Every dependency comes from a Debian package; a missing one stops configuration
# with the package to install.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()

function(tern_require_pkg target module debian_package)
  pkg_check_modules(${target} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${target}_FOUND)
    message(FATAL_ERROR "${module} not found: apt-get install ${debian_package}")
  endif()
endfunction()

tern_require_pkg(LIBEVENT libevent libevent-dev)
tern_require_pkg(LIBEVENT_OPENSSL libevent_openssl libevent-dev)
tern_require_pkg(LIBEVENT_PTHREADS libevent_pthreads libevent-dev)
tern_require_pkg(OPENSSL openssl libssl-dev)
tern_require_pkg(HIREDIS hiredis libhiredis-dev)
tern_require_pkg(SQLITE3 sqlite3 libsqlite3-dev)
tern_require_pkg(FMT fmt libfmt-dev)
tern_require_pkg(ZLIB zlib zlib1g-dev)
tern_require_pkg(LIBIDN libidn libidn-dev)  # SASLprep (RFC 4013) for long-term passwords
tern_require_pkg(LIBSYSTEMD libsystemd libsystemd-dev)  # sd_notify: Type=notify and the watchdog

find_package(Threads REQUIRED)
