// docker / podman auth files (config.json, auth.json): auths, credHelpers, credsStore.
#include <nlohmann/json.hpp>

#include "coldstart/image/credentials.hpp"
#include "fuzz_common.hpp"

using namespace coldstart;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // As find_credentials reads the file.
  auto doc = nlohmann::json::parse(fuzz::as_text(data, size), nullptr, false);
  if (doc.is_discarded()) return 0;
  // A helper named by the file is never run here: it answers with fixed credentials.
  auto helper = [](const std::string&, const std::string&) -> std::optional<image::Credentials> {
    return image::Credentials{"helper-user", "helper-secret", "", "docker-credential-fuzz"};
  };
  for (auto where : {std::pair{"docker.io", "library/ubuntu"}, std::pair{"127.0.0.1:5000", "aigc/sd"},
                     std::pair{"registry.example", "a/b/c"}})
    fuzz::expect_error_only(
        [&] { (void)image::credentials_from_auth_file(doc, where.first, where.second, "fuzz/config.json", helper); });
  return 0;
}
