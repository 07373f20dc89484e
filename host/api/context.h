// What every API handler shares: configuration, storage, accounts, the
// replica pool, metrics, and the limiters.
#pragma once

#include "base/clock.h"
#include "host/accounts.h"
#include "host/config.h"
#include "host/host_metrics.h"
#include "host/limits/rate_limiter.h"
#include "host/relay/replica_pool.h"
#include "host/relay/session_relay.h"
#include "host/store/store.h"

namespace cloister::host {

// The limiters. Relayed sessions hold slots of these until they end, which
// may be while the I/O pools shut down, so they outlive everything else but
// the metrics (see HostService).
struct HostLimits {
  explicit HostLimits(const LimitsConfig& limits)
      : requests(limits.requests_per_second, limits.request_burst),
        sign_ins(limits.sign_ins_per_minute / 60, limits.sign_ins_per_minute),
        slot_lookups(limits.slot_lookups_per_minute / 60, limits.slot_lookups_per_minute),
        slot_lookups_per_id(limits.slot_lookups_per_id_per_hour / 3600,
                            limits.slot_lookups_per_id_per_hour),
        session_opens(limits.session_opens_per_minute / 60, limits.session_opens_per_minute),
        sessions_per_ip(limits.sessions_per_ip),
        sessions_per_account(limits.sessions_per_account) {}

  RateLimiter requests;             // per client: every API request
  RateLimiter sign_ins;             // per client: challenges and tokens
  RateLimiter slot_lookups;         // per client: unauthenticated slot fetches
  RateLimiter slot_lookups_per_id;  // per lookup id, whoever asks
  RateLimiter session_opens;        // per client
  ConcurrencyLimiter sessions_per_ip;
  ConcurrencyLimiter sessions_per_account;
};

struct HostContext {
  const HostConfig& config;
  Store& store;
  AccountService& accounts;
  ReplicaPool& replicas;
  RelayRegistry& relays;
  HostMetrics& metrics;
  HostLimits& limits;
  const Clock& clock;
};

}  // namespace cloister::host
