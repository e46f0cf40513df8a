#include "coldstart/image/credentials.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/image/auth.hpp"

extern char** environ;

namespace coldstart::image {

namespace {

bool is_docker_hub(std::string_view registry) {
  return registry == "docker.io" || registry == "index.docker.io" || registry == "registry-1.docker.io";
}

// A config key as a comparable "host[/path]": docker stores "https://host/v1/" style URLs
// (only the host counts), podman stores "host" or "host/namespace".
std::string normalise_key(std::string_view key) {
  bool had_scheme = false;
  for (std::string_view scheme : {"https://", "http://"})
    if (key.starts_with(scheme)) {
      key.remove_prefix(scheme.size());
      had_scheme = true;
    }
  if (had_scheme) key = key.substr(0, key.find('/'));
  while (key.ends_with('/')) key.remove_suffix(1);
  std::string out(key);
  auto slash = out.find('/');
  std::string host = out.substr(0, slash);
  if (is_docker_hub(host)) out = "docker.io" + (slash == std::string::npos ? "" : out.substr(slash));
  return out;
}

// Keys to try, most specific first: host/a/b, host/a, host.
std::vector<std::string> lookup_keys(std::string_view registry, std::string_view repository) {
  std::string host = is_docker_hub(registry) ? "docker.io" : std::string(registry);
  std::vector<std::string> keys;
  std::string repo(repository);
  while (!repo.empty()) {
    keys.push_back(host + "/" + repo);
    auto slash = repo.rfind('/');
    repo = slash == std::string::npos ? "" : repo.substr(0, slash);
  }
  keys.push_back(host);
  return keys;
}

std::optional<Credentials> from_auths_entry(const nlohmann::json& entry, const std::string& file,
                                            const std::string& key) {
  if (!entry.is_object()) return std::nullopt;
  Credentials c;
  c.origin = file;
  std::string what = fmt::format("auths[\"{}\"] of {}", key, file);
  if (auto it = entry.find("auth"); it != entry.end() && it->is_string() && !it->get<std::string>().empty()) {
    std::string decoded = base64_decode(it->get<std::string>(), what);
    auto colon = decoded.find(':');
    if (colon == std::string::npos)
      throw Error(fmt::format("malformed auth in {}: expected base64 of user:password", what), "run docker login again");
    c.username = decoded.substr(0, colon);
    c.password = decoded.substr(colon + 1);
  }
  if (auto it = entry.find("identitytoken"); it != entry.end() && it->is_string())
    c.identity_token = it->get<std::string>();
  if (c.username.empty() && c.password.empty() && c.identity_token.empty()) return std::nullopt;
  return c;
}

std::string helper_name_for(const nlohmann::json& doc, std::string_view registry) {
  auto helpers = doc.find("credHelpers");
  if (helpers == doc.end() || !helpers->is_object()) return {};
  std::string want = normalise_key(registry);
  for (auto& [key, value] : helpers->items())
    if (normalise_key(key) == want && value.is_string()) return value.get<std::string>();
  return {};
}

}  // namespace

std::string docker_config_server_name(std::string_view registry) {
  return is_docker_hub(registry) ? "https://index.docker.io/v1/" : std::string(registry);
}

CredentialEnvironment CredentialEnvironment::from_process() {
  auto get = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  return {get("REGISTRY_AUTH_FILE"), get("XDG_RUNTIME_DIR"), get("DOCKER_CONFIG"), get("HOME")};
}

std::vector<std::filesystem::path> auth_file_candidates(const CredentialEnvironment& env) {
  std::vector<std::filesystem::path> files;
  if (!env.registry_auth_file.empty()) files.emplace_back(env.registry_auth_file);
  if (!env.xdg_runtime_dir.empty()) files.push_back(std::filesystem::path(env.xdg_runtime_dir) / "containers/auth.json");
  if (!env.docker_config.empty())
    files.push_back(std::filesystem::path(env.docker_config) / "config.json");
  else if (!env.home.empty())
    files.push_back(std::filesystem::path(env.home) / ".docker/config.json");
  return files;
}

std::optional<Credentials> credentials_from_auth_file(const nlohmann::json& doc, std::string_view registry,
                                                      std::string_view repository, const std::string& file,
                                                      const CredentialHelperRunner& run_helper) {
  if (!doc.is_object()) throw Error(fmt::format("{} is not a JSON object", file), "fix or remove the file");
  std::string server = docker_config_server_name(registry);
  if (auto helper = helper_name_for(doc, registry); !helper.empty()) return run_helper(helper, server);

  auto auths = doc.find("auths");
  if (auths != doc.end() && auths->is_object()) {
    for (const auto& want : lookup_keys(registry, repository))
      for (auto& [key, entry] : auths->items())
        if (normalise_key(key) == want) {
          if (auto c = from_auths_entry(entry, file, key)) return c;
        }
  }
  if (auto store = doc.find("credsStore"); store != doc.end() && store->is_string() && !store->get<std::string>().empty())
    return run_helper(store->get<std::string>(), server);
  return std::nullopt;
}

std::optional<Credentials> run_credential_helper(const std::string& helper, const std::string& server_url) {
  std::string program = "docker-credential-" + helper;
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) throw Error("cannot run " + program + ": " + std::strerror(errno));
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    throw Error("cannot run " + program + ": " + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  // Its stderr would break our one-line errors (and could hold anything): drop it.
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::string arg0 = program, arg1 = "get";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  if (rc != 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    throw Error(fmt::format("credential helper {} cannot run: {}", program, std::strerror(rc)),
                "install it, or remove it from credsStore/credHelpers in your docker config");
  }
  // The helper reads the server URL from stdin; ignore SIGPIPE if it exits early.
  signal(SIGPIPE, SIG_IGN);
  [[maybe_unused]] auto w = write(in_pipe[1], server_url.data(), server_url.size());
  close(in_pipe[1]);

  std::string output;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool timed_out = false;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out_pipe[0], POLLIN, 0};
    int pr = poll(&p, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) {
      timed_out = pr == 0;
      break;
    }
    ssize_t n = read(out_pipe[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buf, static_cast<std::size_t>(n));
    if (output.size() > 1024 * 1024) break;
  }
  close(out_pipe[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) throw Error(program + " did not answer within 30s", "check the credential helper works: echo HOST | " + program + " get");
  bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok) {
    if (output.find("credentials not found") != std::string::npos) return std::nullopt;
    // Never echo the output: it could hold a secret. The first line of a failure is a message.
    throw Error(fmt::format("credential helper {} failed for {}", program, server_url),
                "check it with: echo " + server_url + " | " + program + " get");
  }
  return parse_credential_helper_output(output, program, server_url);
}

std::optional<Credentials> parse_credential_helper_output(std::string_view output, const std::string& program,
                                                          const std::string& server_url) {
  nlohmann::json doc = nlohmann::json::parse(output, nullptr, false);
  if (!doc.is_object())
    throw Error(fmt::format("credential helper {} returned malformed output for {}", program, server_url),
                "expected JSON with Username and Secret");
  // A field of another type is malformed output too (json::value would throw its own type_error).
  auto field = [&](const char* key) {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) return std::string();
    if (!it->is_string())
      throw Error(fmt::format("credential helper {} returned malformed output for {}: {} is not a string", program,
                              server_url, key),
                  "expected JSON with Username and Secret");
    return it->get<std::string>();
  };
  Credentials c;
  c.origin = program;
  std::string user = field("Username");
  std::string secret = field("Secret");
  if (user == "<token>")
    c.identity_token = secret;  // docker's convention for an identity (refresh) token
  else {
    c.username = user;
    c.password = secret;
  }
  if (c.username.empty() && c.password.empty() && c.identity_token.empty()) return std::nullopt;
  return c;
}

std::optional<Credentials> find_credentials(std::string_view registry, std::string_view repository,
                                            const std::string& username, const std::string& password,
                                            const CredentialEnvironment& env) {
  if (!username.empty()) return Credentials{username, password, "", "--username"};
  for (const auto& file : auth_file_candidates(env)) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) continue;
    auto text = read_file(file, 4 * 1024 * 1024);
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded())
      throw Error(fmt::format("{} is not valid JSON", file.string()), "fix it, or run docker login / podman login again");
    if (auto c = credentials_from_auth_file(doc, registry, repository, file.string())) {
      log::debug("credentials for {} from {}", registry, c->origin);
      return c;
    }
  }
  return std::nullopt;
}

}  // namespace coldstart::image
