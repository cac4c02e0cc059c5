// A 128-bit integer for exact intermediate products (pence × ratio numerators).
#pragma once

namespace jointly::engine {

// `__extension__` keeps -Wpedantic quiet about the GCC/Clang built-in type.
__extension__ typedef __int128 Wide;

}  // namespace jointly::engine
