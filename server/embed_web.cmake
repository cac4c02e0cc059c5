# Writes OUT, a C++ file defining jointly::server::web_index_html() from IN (server/web/index.html),
# or a placeholder page when IN does not exist. Run at build time by server/CMakeLists.txt.
if(EXISTS "${IN}")
  file(READ "${IN}" content HEX)
else()
  set(placeholder "<!doctype html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>jointly</title></head><body><h1>jointly</h1><p>The decision API is running. See <a href=\"/v1/openapi.json\">/v1/openapi.json</a>.</p></body></html>\n")
  string(HEX "${placeholder}" content)
endif()
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE "${OUT}.tmp" "// Generated from server/web/index.html by server/embed_web.cmake. Do not edit.\n#include <string_view>\nnamespace jointly::server {\nnamespace {\nconstexpr char kPage[] = {${bytes} '\\0'};\n}  // namespace\nstd::string_view web_index_html() { return {kPage, sizeof(kPage) - 1}; }\n}  // namespace jointly::server\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
