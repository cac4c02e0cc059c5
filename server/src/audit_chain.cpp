// The audit trail's hash chain: each entry's hash and the walk that checks them
// (store.hpp; docs/adr/0029-audit-hash-chain.md).
#include <openssl/sha.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jointly/server/store.hpp"
#include "store_common.hpp"

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

AuditVerification walk_audit_chain(const AuditPages& page, const std::optional<std::string>& expected_head,
                                   const std::atomic<bool>* stop) {
    AuditVerification v;
    if (expected_head) v.expected_head_found = *expected_head == v.head;
    std::int64_t after = 0;
    std::int64_t last_read = 0;  // the id of the entry read last
    for (;;) {
        if (stop && stop->load()) {
            v.complete = false;
            return v;
        }
        const auto read = page(after, kVerifyPage);
        if (!read) {
            v.complete = false;
            return v;
        }
        const auto& entries = *read;
        for (const AuditEntry& e : entries) {
            if (e.hash.empty()) {
                // Outside the chain: counted, and the walk goes on from the last hashed entry,
                // as the writer chains the next entry (one break, reported with its extent).
                ++v.unhashed;
                if (!v.unhashed_runs.empty() && v.unhashed_runs.back().last == last_read) {
                    v.unhashed_runs.back().last = e.id;
                    ++v.unhashed_runs.back().count;
                } else if (v.unhashed_runs.size() < AuditVerification::kMaxRuns) {
                    v.unhashed_runs.push_back({e.id, e.id, 1});
                }
                last_read = e.id;
                continue;
            }
            last_read = e.id;
            const std::string expected = audit_chain_hash(v.head, e);
            if (e.hash != expected) {
                AuditVerification::Break b;
                b.id = e.id;
                b.found = e.hash;
                b.expected = expected;
                const std::string after_text =
                    v.head_id ? "entry " + std::to_string(v.head_id) : "the start of the trail";
                b.reason = "audit entry " + std::to_string(e.id) + " does not match the hash chain: it was "
                           "changed, or an entry between " + after_text + " and it was removed or changed";
                v.broken = std::move(b);
                return v;
            }
            ++v.entries;
            v.head_id = e.id;
            v.head = expected;
            if (expected_head && *expected_head == expected) v.expected_head_found = true;
        }
        if (entries.size() < kVerifyPage) return v;
        after = entries.back().id;
    }
}

std::string describe_unhashed(const AuditVerification& v) {
    if (v.unhashed == 0) return {};
    std::string runs;
    for (const auto& r : v.unhashed_runs) {
        runs += runs.empty() ? "" : ", ";
        runs += r.first == r.last ? std::to_string(r.first) : std::to_string(r.first) + " to " + std::to_string(r.last);
    }
    std::size_t listed = 0;
    for (const auto& r : v.unhashed_runs) listed += r.count;
    if (listed < v.unhashed) runs += ", and more";
    return std::to_string(v.unhashed) + (v.unhashed == 1 ? " audit entry has" : " audit entries have") +
           " no hash (" + (v.unhashed == 1 && v.unhashed_runs.size() == 1 && v.unhashed_runs[0].count == 1 ? "entry " : "entries ") +
           runs + "): written by an older jointly (without the hash chain) still running after this store was "
           "upgraded, or their hashes were blanked; they are outside the chain, and the entries after them were "
           "checked against the last entry with a hash before them";
}

AuditVerification Store::verify_audit(const std::optional<std::string>& expected_head, const std::atomic<bool>* stop) {
    return walk_audit_chain([this, stop](std::int64_t after, std::size_t limit) { return audit_page(after, limit, stop); },
                            expected_head, stop);
}

std::optional<std::vector<AuditEntry>> Store::audit_page(std::int64_t after, std::size_t limit,
                                                         const std::atomic<bool>*) {
    AuditQuery page;
    page.limit = limit;
    page.after = after;
    return find_audit(page);
}

}  // namespace jointly::server
