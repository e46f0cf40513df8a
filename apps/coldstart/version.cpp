// `coldstart --version`: the version, the commit, and the versions of the libraries that do the
// heavy lifting, as loaded at run time (like `skopeo --version` and `crane version`).
#include <archive.h>
#include <curl/curl.h>
#include <fmt/format.h>
#include <isa-l.h>
#include <zstd.h>

#include "cli.hpp"
#include "version_commit.hpp"

namespace coldstart::cli {

std::string version_text() {
  std::string archive = archive_version_string();  // "libarchive 3.6.2"
  if (auto space = archive.find(' '); space != std::string::npos) archive = archive.substr(space + 1);
  return fmt::format(
      "coldstart version {}\n"
      "commit:     {}\n"
      "libcurl:    {}\n"
      "libarchive: {}\n"
      "zstd:       {}\n"
      "ISA-L:      {}.{}.{}",
      COLDSTART_VERSION, COLDSTART_COMMIT, curl_version_info(CURLVERSION_NOW)->version, archive, ZSTD_versionString(),
      ISAL_MAJOR_VERSION, ISAL_MINOR_VERSION, ISAL_PATCH_VERSION);
}

}  // namespace coldstart::cli
