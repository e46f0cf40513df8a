// Registry credentials, looked up the way docker, podman and skopeo users expect:
//   1. --username + --password-stdin
//   2. $REGISTRY_AUTH_FILE
//   3. ${XDG_RUNTIME_DIR}/containers/auth.json
//   4. $DOCKER_CONFIG/config.json, else ~/.docker/config.json
// In each file: credHelpers[registry], then auths (base64 `auth`, `identitytoken`; the most
// specific "registry/namespace" key first), then credsStore; helpers run as
// `docker-credential-NAME get`. The first file that knows the registry wins.
#pragma once
#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coldstart::image {

struct Credentials {
  std::string username;
  std::string password;        // never printed
  std::string identity_token;  // OAuth2 refresh token from `docker login` with an identity provider
  std::string origin;          // where they came from ("--username", a file path, a helper), for messages
};

// Where to look; from_process() reads the environment, tests build their own.
struct CredentialEnvironment {
  std::string registry_auth_file;  // $REGISTRY_AUTH_FILE
  std::string xdg_runtime_dir;     // $XDG_RUNTIME_DIR
  std::string docker_config;       // $DOCKER_CONFIG (a directory)
  std::string home;                // $HOME
  static CredentialEnvironment from_process();
};

// The auth files to try, in order (existing or not).
std::vector<std::filesystem::path> auth_file_candidates(const CredentialEnvironment& env);

// Runs `docker-credential-HELPER get` with `server_url` on stdin; nullopt when it has none.
std::optional<Credentials> run_credential_helper(const std::string& helper, const std::string& server_url);

// What credentials_from_auth_file calls for credHelpers/credsStore (run_credential_helper; the
// fuzz target passes one that runs nothing).
using CredentialHelperRunner =
    std::function<std::optional<Credentials>(const std::string& helper, const std::string& server_url)>;

// Credentials for registry (host[:port]) / repository from one parsed auth file, or nullopt
// when the file does not know the registry. May run a credential helper.
std::optional<Credentials> credentials_from_auth_file(const nlohmann::json& doc, std::string_view registry,
                                                      std::string_view repository, const std::string& file,
                                                      const CredentialHelperRunner& run_helper = run_credential_helper);

// Parses what a helper printed on success ({"Username": ..., "Secret": ...}); nullopt when it holds
// no credentials. `program` names the helper in errors (the output itself is never echoed).
std::optional<Credentials> parse_credential_helper_output(std::string_view output, const std::string& program,
                                                          const std::string& server_url);

// The whole lookup; explicit username/password (the flags) win.
std::optional<Credentials> find_credentials(std::string_view registry, std::string_view repository,
                                            const std::string& username, const std::string& password,
                                            const CredentialEnvironment& env = CredentialEnvironment::from_process());

// The name docker uses for a registry in config.json and with helpers ("https://index.docker.io/v1/"
// for Docker Hub, the host[:port] otherwise).
std::string docker_config_server_name(std::string_view registry);

}  // namespace coldstart::image
