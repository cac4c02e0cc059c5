// The fast path for reading a caseload (`jointly simulate`): one request per line, decoded
// with simdjson On-Demand straight into engine::Request, without building a JSON tree.
// docs/adr/0018-fast-caseload-decoding.md says why it is a fast path beside the reference
// decoder (parse_json + decode_request) and not a second set of rules.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jointly/engine/program.hpp"
#include "jointly/engine/request.hpp"
#include "jointly/server/codec.hpp"

namespace jointly::server {

// Decodes a line only when the reference decoder would accept it and give the same Request;
// for anything else (not JSON, a key named twice, a number with a fraction as money, an
// unknown field, a value of the wrong kind, ...) it gives nullopt, and the caller reads the
// line with parse_json + decode_request, which report the problem with its code, JSON
// pointer and message. So the rules of a request and their errors live in one place, and
// tests/server/case_decoder_test.cpp runs one table of inputs through both.
// One per thread: not thread-safe. Never throws.
class CaseDecoder {
public:
    // simdjson reads up to this many bytes past the end of a line; they must be readable
    // (the rest of the caller's buffer, or padding), whatever they hold.
    static constexpr std::size_t kPadding = 64;

    // What chooses a case's program: `policy`, `version` and `as_of` when they are strings,
    // and the case's `case_ref`.
    struct Header {
        std::optional<std::string> policy;
        std::optional<std::string> version;
        std::optional<std::string> as_of;
        std::string case_ref;
        bool operator==(const Header&) const = default;
    };

    CaseDecoder();
    ~CaseDecoder();
    CaseDecoder(const CaseDecoder&) = delete;
    CaseDecoder& operator=(const CaseDecoder&) = delete;

    // Starts on a line; `text` must stay alive, followed by kPadding readable bytes, until
    // the next start. False when the fast path cannot read it at all.
    bool start(std::string_view text);
    // The started line's header; nullopt when `policy`, `version`, `as_of` or `case_ref` is
    // neither a string nor null, or the line is not an object. Once it has `policy`, `as_of`
    // and `case_ref`, it stops at the next `facts`, `events` or `lines` (a case usually names
    // its policy and date first), so a caller that decodes must check that decoded_header(),
    // read from every member, is the same; when it is not, the line is the reference
    // decoder's.
    std::optional<Header> header();
    // The started line decoded against `schema`, as decode_request would; nullopt on
    // anything decode_request or parse_json would refuse (and on some things they accept:
    // a `description` that is not a string, a number simdjson cannot read as int64).
    std::optional<engine::Request> decode(const engine::Schema& schema, const DecodeLimits& limits);
    // The header as the last successful decode() read it, from every member.
    const Header& decoded_header() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The requests of a batch body, `{"requests": [...]}` or a bare array, each as its text: spans
// of `text`, which must be followed by CaseDecoder::kPadding readable bytes. nullopt when the
// body is anything else (a member other than one `requests`, trailing bytes, invalid JSON
// around the requests) or holds more than `max_requests`: the batch route's reference path
// then gives the answer. The requests themselves are only delimited here, not checked.
std::optional<std::vector<std::string_view>> batch_requests(std::string_view text, std::size_t max_requests);

// True when requests decode the same way against both schemas: the same facts (name, type,
// levels, required, agencies), events and repeating events.
bool same_declarations(const engine::Schema& a, const engine::Schema& b);

// Field-for-field equality of two requests (engine::Request has no operator==), for the
// tests and the fuzzer that compare the two decoders.
bool same_request(const engine::Request& a, const engine::Request& b);

}  // namespace jointly::server
