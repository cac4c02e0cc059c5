# The project's strict warning set, applied per target with jointly_strict(target).
set(JOINTLY_WARNINGS
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
  -Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-align
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(JOINTLY_WERROR)
  list(APPEND JOINTLY_WARNINGS -Werror)
endif()
# GCC 12 at -O3 (the release preset, which scripts/serve.sh builds) reports -Wrestrict inside
# libstdc++'s own string concatenation, `"text" + std::string` (GCC bug 105329): eleven false
# reports that a reader of the build cannot act on. The ci preset (-O2, warnings as errors)
# keeps -Wrestrict.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND JOINTLY_WARNINGS $<$<CONFIG:Release>:-Wno-restrict>)
endif()

add_library(jointly_sanitize INTERFACE)
if(JOINTLY_SANITIZE)
  target_compile_options(jointly_sanitize INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(jointly_sanitize INTERFACE -fsanitize=address,undefined)
endif()

# jointly_strict(target [TEST]): warnings as above; library and program code also gets
# -Wnull-dereference. Tests do not: GCC 12 at -O2 reports libstdc++'s own inlined
# string/stream code in large test files as a potential null dereference.
function(jointly_strict target)
  cmake_parse_arguments(ARG "TEST" "" "" ${ARGN})
  target_compile_options(${target} PRIVATE ${JOINTLY_WARNINGS})
  if(NOT ARG_TEST)
    target_compile_options(${target} PRIVATE -Wnull-dereference)
  endif()
  target_link_libraries(${target} PUBLIC jointly_sanitize)
endfunction()
