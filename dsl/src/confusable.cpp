#include "confusable.hpp"

namespace jointly::dsl::detail {

namespace {

struct Entry {
    std::string_view bytes;  // UTF-8
    std::string_view name;
    std::string_view help;
};

constexpr std::string_view kSpaceHelp = "replace it with an ordinary space";
constexpr std::string_view kInvisibleHelp = "delete it: it is invisible, and the language does not read it";
constexpr std::string_view kDoubleQuoteHelp = "write straight quotes `\"`";
constexpr std::string_view kSingleQuoteHelp =
    "text is written between straight double quotes `\"`; a curly quote is text only inside them";
constexpr std::string_view kDashHelp =
    "write `-` (the keyboard's hyphen-minus) to subtract, or `to` between two dates";

constexpr Entry kConfusables[] = {
    {"\xC2\xA0", "a no-break space (U+00A0)", kSpaceHelp},
    {"\xE2\x80\x87", "a figure space (U+2007)", kSpaceHelp},
    {"\xE2\x80\xAF", "a narrow no-break space (U+202F)", kSpaceHelp},
    {"\xE2\x80\x8B", "a zero-width space (U+200B)", kInvisibleHelp},
    {"\xE2\x80\x8C", "a zero-width non-joiner (U+200C)", kInvisibleHelp},
    {"\xE2\x80\x8D", "a zero-width joiner (U+200D)", kInvisibleHelp},
    {"\xE2\x81\xA0", "a word joiner (U+2060)", kInvisibleHelp},
    {"\xEF\xBB\xBF", "a byte order mark (U+FEFF)",
     "delete it: it is invisible, and allowed only as the very first character of the file"},
    {"\xE2\x80\x9C", "a curly quote (U+201C)", kDoubleQuoteHelp},
    {"\xE2\x80\x9D", "a curly quote (U+201D)", kDoubleQuoteHelp},
    {"\xE2\x80\x9E", "a low curly quote (U+201E)", kDoubleQuoteHelp},
    {"\xE2\x80\xB3", "a double prime (U+2033)", kDoubleQuoteHelp},
    {"\xE2\x80\x98", "a curly quote (U+2018)", kSingleQuoteHelp},
    {"\xE2\x80\x99", "a curly quote (U+2019)", kSingleQuoteHelp},
    {"\xE2\x80\x90", "a hyphen (U+2010)", kDashHelp},
    {"\xE2\x80\x91", "a non-breaking hyphen (U+2011)", kDashHelp},
    {"\xE2\x80\x92", "a figure dash (U+2012)", kDashHelp},
    {"\xE2\x80\x93", "an en dash (U+2013)", kDashHelp},
    {"\xE2\x80\x94", "an em dash (U+2014)", kDashHelp},
    {"\xE2\x88\x92", "a minus sign (U+2212)", kDashHelp},
};

}  // namespace

std::optional<Confusable> confusable_at(std::string_view text, std::size_t at) {
    if (at >= text.size() || static_cast<unsigned char>(text[at]) < 0x80U) return std::nullopt;
    const std::string_view rest = text.substr(at);
    for (const Entry& e : kConfusables) {
        if (rest.starts_with(e.bytes)) return Confusable{e.bytes.size(), e.name, e.help};
    }
    return std::nullopt;
}

}  // namespace jointly::dsl::detail
