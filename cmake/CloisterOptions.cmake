# Compiler settings shared by every target in the tree.

find_program(CLOISTER_CCACHE ccache)
if(CLOISTER_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER "${CLOISTER_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CLOISTER_CCACHE}")
endif()

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

# Warnings apply to our own targets only (see cloister_warnings), never to
# third-party headers, which are included as SYSTEM.
set(CLOISTER_WARNING_FLAGS -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wformat=2
    -Wimplicit-fallthrough)
if(CLOISTER_WERROR)
  list(APPEND CLOISTER_WARNING_FLAGS -Werror)
endif()

# Hardening that costs nothing measurable.
add_compile_options(-fstack-protector-strong -D_GLIBCXX_ASSERTIONS)
if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug" AND NOT CLOISTER_SANITIZE)
  add_compile_definitions(_FORTIFY_SOURCE=2)
endif()
add_link_options(-Wl,-z,relro,-z,now)

if(CLOISTER_SANITIZE)
  add_compile_options(-fsanitize=${CLOISTER_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${CLOISTER_SANITIZE})
endif()

if(CLOISTER_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "CLOISTER_FUZZ needs clang (libFuzzer); use the 'fuzz' preset")
  endif()
  # Instrument everything for coverage; only the fuzz binaries link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# The repository root, so tests can find ../shared/data by default.
add_compile_definitions(CLOISTER_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
