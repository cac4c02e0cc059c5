// The audit trail's hash chain: each entry's hash and the walk that checks them
// (store.hpp; docs/adr/0029-audit-hash-chain.md).
#include <openssl/sha.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "jointly/server/store.hpp"

namespace jointly::server {
namespace {

// Entries read per page while walking the chain.
constexpr std::size_t kVerifyPage = 2000;

void add_field(std::string& out, const std::optional<std::string_view>& value) {
    if (!value) {
        out += '\0';
        return;
    }
    out += '\1';
    auto size = static_cast<std::uint64_t>(value->size());
    std::array<char, 8> length{};
    for (std::size_t i = length.size(); i-- > 0; size >>= 8) length[i] = static_cast<char>(size & 0xFFU);
    out.append(length.data(), length.size());
    out += *value;
}

std::optional<std::string_view> view(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    return std::string_view(*text);
}

}  // namespace

std::string audit_chain_hash(std::string_view previous, const AuditEntry& e) {
    std::string input;
    input.reserve(previous.size() + e.at.size() + e.principal.size() + e.client.size() + e.request_id.size() +
                  e.route.size() + (e.detail ? e.detail->size() : 0) + 160);
    input += previous;
    const std::string status = std::to_string(e.status);
    add_field(input, std::string_view(e.at));
    add_field(input, std::string_view(e.principal));
    add_field(input, std::string_view(e.client));
    add_field(input, std::string_view(e.request_id));
    add_field(input, view(e.client_request_id));
    add_field(input, std::string_view(e.action));
    add_field(input, std::string_view(e.route));
    add_field(input, view(e.decision_id));
    add_field(input, view(e.panel_record_id));
    add_field(input, view(e.detail));
    add_field(input, std::string_view(status));
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(digest.size() * 2, '0');
    for (std::size_t i = 0; i < digest.size(); ++i) {
        out[2 * i] = kHex[digest[i] >> 4];
        out[2 * i + 1] = kHex[digest[i] & 0xFU];
    }
    return out;
}

AuditVerification Store::verify_audit(const std::optional<std::string>& expected_head, const std::atomic<bool>* stop) {
    AuditVerification v;
    if (expected_head) v.expected_head_found = *expected_head == v.head;
    AuditQuery page;
    page.limit = kVerifyPage;
    for (;;) {
        if (stop && stop->load()) {
            v.complete = false;
            return v;
        }
        const auto entries = find_audit(page);
        for (const AuditEntry& e : entries) {
            const std::string expected = audit_chain_hash(v.head, e);
            if (e.hash != expected) {
                AuditVerification::Break b;
                b.id = e.id;
                b.found = e.hash;
                b.expected = expected;
                const std::string after = v.head_id ? "entry " + std::to_string(v.head_id) : "the start of the trail";
                b.reason = e.hash.empty()
                               ? "audit entry " + std::to_string(e.id) +
                                     " has no hash: it was written by a jointly without the hash chain after the "
                                     "store was migrated, or its hash was blanked"
                               : "audit entry " + std::to_string(e.id) + " does not match the hash chain: it was "
                                     "changed, or an entry between " + after + " and it was removed or changed";
                v.broken = std::move(b);
                return v;
            }
            ++v.entries;
            v.head_id = e.id;
            v.head = expected;
            if (expected_head && *expected_head == expected) v.expected_head_found = true;
        }
        if (entries.size() < page.limit) return v;
        page.after = entries.back().id;
    }
}

}  // namespace jointly::server
