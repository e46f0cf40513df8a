// Internal: checks that containerd answers on its socket before anything is streamed, so the
// common failures (not running, stale socket, no permission) get one precise line.
#pragma once
#include <string>

namespace coldstart::cluster::detail {

// Connects to the unix socket and closes again; throws Error naming the socket and what to try.
void require_containerd_socket(const std::string& socket);

}  // namespace coldstart::cluster::detail
