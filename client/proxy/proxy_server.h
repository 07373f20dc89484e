// The routes of `cloister proxy`: OpenAI's /v1/chat/completions (streamed as
// server-sent events or whole) and /v1/models, each tunnelled through a
// verified session (ChatUpstream). Nothing is forwarded unless the enclave
// verified; the refusal is an OpenAI-shaped error saying why. The receipt is
// returned in X-Cloister-Receipt (whole responses) and as "cloister_receipt"
// on the last chunk before [DONE] (streams, whose headers leave before it
// exists). A client that goes away mid-stream cancels the generation.
#pragma once

#include <chrono>
#include <memory>

#include "client/proxy/upstream.h"
#include "net/router.h"

namespace cloister::client::proxy {

struct ProxyOptions {
  // How long to wait for the enclave's first event, and then between events.
  std::chrono::seconds first_event_timeout{120};
  std::chrono::seconds event_timeout{60};
  // How often a stream checks that its client is still there.
  std::chrono::milliseconds disconnect_poll{200};
};

// Returns the proxy's routes over `upstream`.
Result<net::Router> make_proxy_router(std::shared_ptr<ChatUpstream> upstream,
                                      ProxyOptions options = {});

}  // namespace cloister::client::proxy
