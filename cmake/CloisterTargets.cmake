# Helpers that give every component the same shape:
#   cloister_library(NAME SOURCES ... DEPS ...)     -> target cloister_NAME, alias cloister::NAME
#   cloister_test(NAME SOURCES ... DEPS ...)        -> GoogleTest executable, registered with CTest
#   cloister_fuzzer(NAME SOURCES ... DEPS ...)      -> libFuzzer executable (fuzz builds only)
#   cloister_benchmark(NAME SOURCES ... DEPS ...)   -> Google Benchmark executable
#   cloister_binary(NAME SOURCES ... DEPS ...)      -> an installed program

function(cloister_warnings target)
  target_compile_options(${target} PRIVATE ${CLOISTER_WARNING_FLAGS})
endfunction()

function(cloister_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(cloister_${name} STATIC ${ARG_SOURCES})
  add_library(cloister::${name} ALIAS cloister_${name})
  target_include_directories(cloister_${name} PUBLIC ${CMAKE_SOURCE_DIR})
  target_link_libraries(cloister_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  cloister_warnings(cloister_${name})
endfunction()

function(cloister_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT CLOISTER_TESTS)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} cloister::testing GTest::gtest GTest::gmock
                        GTest::gtest_main)
  cloister_warnings(${name})
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60
                       PROPERTIES TIMEOUT 300)
endfunction()

function(cloister_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT CLOISTER_FUZZ)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  # All fuzzers land in one folder; .ci/run runs each with tests/fuzz-corpus/NAME as seeds.
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzzers)
  cloister_warnings(${name})
endfunction()

function(cloister_benchmark name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT CLOISTER_BENCHMARKS)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  cloister_warnings(${name})
endfunction()

function(cloister_binary name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  cloister_warnings(${name})
  install(TARGETS ${name} RUNTIME DESTINATION bin)
endfunction()
