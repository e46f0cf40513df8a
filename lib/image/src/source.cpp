// Placeholder: transport dispatch lands with the sources (issue 2).
#include "coldstart/image/source.hpp"

#include "coldstart/core/error.hpp"

namespace coldstart::image {
std::vector<std::string> Source::list_tags() { throw Error("listing tags is not supported by " + describe()); }
}  // namespace coldstart::image
