// What an erasure keeps of a decision, shared by the erasure route (http_erasure.cpp) and
// `jointly store reapply-erasures` (store_reapply.cpp), so that both leave the same record.
#pragma once

#include "jointly/server/store.hpp"

namespace jointly::server {

// The redaction of an erasure (UK GDPR art. 17): the response keeps the figures and nothing
// about the child, a panel record's notes and override reason are blanked. Its functions throw
// nlohmann::json::exception on a stored text that is not JSON.
Redaction erasure_redaction();

}  // namespace jointly::server
