# jointly_strict(target): the project's warning set, per target.
add_library(jointly_warnings INTERFACE)
target_compile_options(jointly_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
  -Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-align
  -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(JOINTLY_WERROR)
  target_compile_options(jointly_warnings INTERFACE -Werror)
endif()
add_library(jointly_sanitize INTERFACE)
if(JOINTLY_SANITIZE)
  target_compile_options(jointly_sanitize INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(jointly_sanitize INTERFACE -fsanitize=address,undefined)
endif()
function(jointly_strict target)
  target_link_libraries(${target} PRIVATE jointly_warnings)
  target_link_libraries(${target} PUBLIC jointly_sanitize)
endfunction()
