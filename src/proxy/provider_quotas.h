#pragma once
// The gateway's side of the providers' own quota headers (accounting/provider_quota.h): every
// upstream response head updates its target's reading, the plan demotes a target near its quota
// (routing::TargetView::near_quota), and the readings are shown in GET /admin/budgets and, for a
// demoted target, in the request's audit record.
#include <string>

#include "accounting/provider_quota.h"
#include "http/client.h"
#include "proxy/gateway_state.h"
#include "routing/route_table.h"

namespace switchyard::proxy {

// Reads the head's quota headers into `tracker`, if it has any. One pass over the fields, most of
// them refused by their first letter or length; the clock is read and the values parsed only when a
// quota header is there. Returns whether the reading changed.
bool noteQuotaHeaders(const http::UpstreamHeader& header, accounting::QuotaTracker& tracker);

// The target's reading in words, for the audit record of a request that demoted it:
// "requests 1 of 100 left until 2026-05-14T12:00:30Z; retry-after until 2026-05-14T12:00:05Z".
std::string quotaDemotionReason(const GatewayState& state, const routing::TargetRef& target);

// The "provider_quotas" member of GET /admin/budgets, with its leading comma: every target's reading
// (null where the provider stated nothing) and whether it is near quota now.
std::string providerQuotasMember(const GatewayState& state);

}  // namespace switchyard::proxy
