#include "jointly/engine/decision.hpp"

namespace jointly::engine {

const char* to_string(Outcome outcome) {
    switch (outcome) {
        case Outcome::Approve: return "approve";
        case Outcome::Refer: return "refer";
        case Outcome::Decline: return "decline";
    }
    return "approve";
}

const char* to_string(IssueKind kind) {
    switch (kind) {
        case IssueKind::Uncovered: return "uncovered";
        case IssueKind::Conflict: return "conflict";
        case IssueKind::CapExcess: return "cap_excess";
        case IssueKind::Refused: return "refused";
        case IssueKind::Referred: return "referred";
    }
    return "uncovered";
}

const char* to_string(ReasonKind kind) {
    switch (kind) {
        case ReasonKind::Decline: return "decline";
        case ReasonKind::Refer: return "refer";
        case ReasonKind::Issue: return "issue";
        case ReasonKind::LineRefer: return "line_refer";
    }
    return "decline";
}

}  // namespace jointly::engine
