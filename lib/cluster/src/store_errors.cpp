#include "coldstart/cluster/store_errors.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "coldstart/core/error.hpp"

namespace coldstart::cluster {

void throw_store_error(std::string_view what, const std::filesystem::path& path, int error_number) {
  std::string hint;
  switch (error_number) {
    case ENOSPC:
    case EDQUOT:
      hint = "free space or choose another --cache; the partial download resumes on the next run";
      break;
    case EACCES:
    case EPERM:
    case EROFS:
      hint = "the cache directory must be writable by this user; choose another --cache";
      break;
    case ENOTDIR:
    case EEXIST:
      hint = "--cache must be a directory holding an OCI image layout (or a new one)";
      break;
    default:
      hint = "check the cache directory";
  }
  throw Error(fmt::format("{} {}: {}", what, path.string(), std::strerror(error_number)), hint);
}

}  // namespace coldstart::cluster
