// Sentences: the decision's explanation in one buffer (text_types.hpp).
#include "jointly/engine/text_types.hpp"

#include <limits>

namespace jointly::engine {

void Sentences::push_back(std::string_view text) {
    if (text.size() > std::numeric_limits<std::uint32_t>::max() - text_.size()) {
        throw std::length_error("Sentences: more than 4 GiB of text");
    }
    text_ += text;
    ends_.push_back(static_cast<std::uint32_t>(text_.size()));
}

}  // namespace jointly::engine
