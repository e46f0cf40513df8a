// Registry error bodies -> one line. Distribution answers {"errors":[{"code","message","detail"}]};
// proxies and other servers answer plain text or HTML.
#pragma once
#include <string>
#include <string_view>

namespace coldstart::image {

// "MANIFEST_UNKNOWN: manifest unknown", "HTTP 502: bad gateway", "HTTP 404 Not Found" (empty body).
std::string summarize_registry_error(long status, std::string_view body);

// The first `rel="next"` target of Link header values (RFC 8288), or "" when there is none.
std::string next_link(std::string_view link_header);

}  // namespace coldstart::image
